// 日本語の文字列。キーの集合は en.ts と完全に一致しなければならない（型で検査される）。
import type { Messages } from './en';

export const ja: Messages = {
  'app.title': 'Nance',
  'app.tagline': 'サーバ不要のP2Pチャット — チャットは毎日消えます',
  'nav.label': 'メインナビゲーション',
  'nav.chats': 'チャット',
  'nav.peers': 'ピア',
  'nav.settings': '設定',

  'loading.app': 'Nance に接続しています…',
  'loading.failed': 'Nance を読み込めませんでした。',
  'action.retry': '再試行',
  'connection.lost': '接続が切れました。再接続しています…',
  'storage.disk-full':
    'ディスクがいっぱいのため、Nance はデータを保存できません。チャットは読み取り専用で使えます。空き容量を確保してください。',
  'storage.read-only':
    'ファイルが読み取り専用のため、Nance はデータを保存できません。チャットは読み取り専用で使えます。データフォルダーの権限を確認してください。',
  'storage.io-error':
    'ディスクのエラーのため、Nance はデータを保存できません。チャットは読み取り専用で使えます。ディスクを確認してください。',
  anonymous: '名無し',
  'text.hiddenChar':
    '隠れた制御文字 {code}（{name}）: 文字の並びを入れ替えたり隠したりできるため表示しています',

  'error.dismiss': '閉じる',
  'error.details': '詳細: {detail}',
  'error.exception':
    'このホストはこのチャットを送れません。応答中にエラーが発生しました。しばらくしてからお試しください。',
  'error.bad-request':
    'ホストがリクエストを理解できませんでした。別のバージョンの Nance を使っている可能性があります。',
  'error.unreachable': '相手のピアからあなたに届きませんでした。NAT が受信をふさいでいる可能性があります。',
  'error.not-found':
    'このチャットはもう存在しません（チャットは毎日消えます）。別のチャットを選ぶか、新しく作成してください。',
  'error.full':
    'このチャットは満杯で、これ以上メッセージを追加できません。新しいチャットを作成して続けてください。',
  'error.timeout':
    'ホストから応答がありませんでした。オフラインか、NAT の向こうで届かない可能性があります。少し待ってから再試行してください。',
  'error.not-supported': 'ホストはこの機能に対応していません。',
  'error.too-large': 'メッセージが大きすぎて送れません。短くしてください。',
  'error.wrong-mode':
    'ブートストラップモードでは使えません。ブートストラップピアはピアを紹介するだけで、チャットを持ちません。設定でピアモードに切り替えてください。',
  'error.invalid-argument': '入力の一部が受け付けられませんでした。内容を確認して再試行してください。',
  'error.closed': 'Nance サービスとの接続が切れました。再接続中です。少し待ってから再試行してください。',
  'error.bad-host':
    'このホストが不正な応答を送ったため、読み込みを中止しました。故障しているか、悪意のあるホストかもしれません。',
  'error.bad-link':
    '有効な招待リンクではありません。nance://join/ホスト:ポート/鍵/ルーム#秘密 の形です。リンク全体をもう一度コピーしてください。',
  'error.wrong-key': 'ルームはありますが、このリンクの鍵では開けません。新しい招待リンクを頼んでください。',
  'error.unknown': '問題が発生しました。',

  'validation.nameRequired': '表示名を入力してください。',
  'validation.nameTooLong': '{max} 文字以内で入力してください。',
  'validation.hostPort': 'HOST:PORT の形式で入力してください（例: 203.0.113.5:5000）。',
  'validation.tooManyBootstraps': 'ブートストラップピアは最大 {max} 個です。',
  'validation.keepalive': '0 から {max} までの整数（秒）を入力してください。',
  'validation.chatNameRequired': 'チャット名を入力してください。',
  'validation.messageRequired': '最初のメッセージを入力してください。',

  'onboarding.title': 'Nance へようこそ',
  'onboarding.intro':
    'Nance はサーバのいらないチャットです。作成したチャットはこのコンピュータがホストし、他のピアが直接読み書きします。すべては一日で消えます。始める前に2つだけ教えてください:',
  'onboarding.nameLabel': '表示名',
  'onboarding.nameHelp': '書いたチャットやメッセージに表示されます。後から設定で変更できます。',
  'onboarding.bootstrapLabel': 'ブートストラップピア（HOST:PORT）',
  'onboarding.bootstrapHelp':
    'ブートストラップピアは、ポートを常に開放して動き続け、ピア同士を紹介することだけを役目とするピアです。チャットは持ちません。Nance はこれを通じてネットワークに参加します（元の Nance Chat も起動時にこのアドレスを尋ねていました）。運用している人にアドレスを聞いてください。',
  'onboarding.bootstrapPlaceholder': '203.0.113.5:5000',
  'onboarding.submit': 'チャットを始める',
  'onboarding.saving': '保存しています…',
  'onboarding.skip': '今はスキップ',
  'onboarding.skipHelp':
    'ブートストラップピアがなくてもチャットはホストできますが、他の人があなたを見つけられるのはアドレスを知っている場合だけです。後から設定で追加できます。',

  'chats.listLabel': 'チャット',
  'chats.filterLabel': 'チャットを絞り込む',
  'chats.filterPlaceholder': '名前またはホストで絞り込み',
  'chats.new': '新しいチャット',
  'chats.refresh': '更新',
  'chats.refreshLabel': '既知のホストに今すぐチャット一覧を問い合わせる',
  'chats.refreshing': '更新中…',
  'chats.mine': '自分のチャット',
  'chats.hostGroup': 'ホスト {host}',
  'chats.empty': 'チャットはまだありません。作成するか、ピアが共有するのを待ってください。',
  'chats.noMatch': '「{filter}」に一致するチャットはありません。',
  'chats.hostEmpty': 'このホストにチャットはありません。',
  'chats.mineEmpty': 'ホストしているチャットはまだありません。',
  'chats.stale': '古い情報 · {age}に更新',
  'chats.unreachable': '到達不能 · 最後の接続 {age}',
  'chats.unreachableNever': '到達不能 · 一度も接続できていません',
  'chats.neverFetched': 'まだ取得していません',
  'chats.loading': 'チャットを読み込んでいます…',
  'chats.created': '{time}に作成',

  'path.direct': '直接',
  'path.punched': 'ホールパンチング',
  'path.mapped': 'ポートマッピング',
  'path.relayed': '{via} 経由で中継',
  'path.relayedUnknown': '中継',
  'path.directHelp': '直接: このコンピューターとこのピアの間で、メッセージが直接届きます。',
  'path.punchedHelp':
    'ホールパンチング: 双方が NAT の内側にあるため、Nance が両方の NAT に通り道を開けました。メッセージはこのピアに直接届きます。',
  'path.punchedActualHelp':
    'ホールパンチング: 双方が NAT の内側にあるため、Nance が両方の NAT に通り道を開けました。メッセージは、相手の NAT がこの通信に割り当てたアドレス {actual} へ直接届きます。',
  'path.mappedHelp':
    'ポートマッピング: このピアがルーターにポートを開けさせた (UPnP / NAT-PMP) ため、そのポートを通じてメッセージが直接届きます。',
  'path.relayedHelp':
    '中継: ここからこのピアへは直接届きません。メッセージは別のピア ({via}) を経由して転送されます。',
  'path.relayedUnknownHelp':
    '中継: ここからこのピアへは直接届きません。メッセージは別のピアを経由して転送されます。',

  'newChat.title': '新しいチャット',
  'newChat.help': 'チャットはこのコンピュータでホストされ、毎日の消去で消えます。',
  'newChat.nameLabel': 'チャット名',
  'newChat.messageLabel': '最初のメッセージ',
  'newChat.submit': 'チャットを作成',
  'newChat.creating': '作成しています…',
  'newChat.cancel': 'キャンセル',
  'newChat.as': '{name} として投稿',
  'newChat.private': 'プライベートルーム',
  'newChat.privateHelp':
    'エンドツーエンドで暗号化され、一覧には出ません。招待リンクを渡した人だけが見つけ、読み、投稿できます。',

  'room.listTitle': 'プライベートルーム',
  'room.empty': 'プライベートルームはまだありません。',
  'room.lock': 'プライベートルーム（エンドツーエンド暗号化）',
  'room.hostMine': 'あなたがホスト',
  'room.hostRemote': 'ホスト {host}',
  'room.join': 'プライベートルームに参加',
  'room.joinLabel': '招待リンク',
  'room.joinPlaceholder': 'nance://join/…',
  'room.joinSubmit': '参加',
  'room.joining': '参加中…',
  'room.invite': '招待',
  'room.inviteTitle': 'このルームに招待',
  'room.inviteHelp':
    'このリンクを持つ人は、毎日の消去まで誰でもこのルームを読み、投稿できます。誰かを外すには新しいルームを作ってください。',
  'room.copy': 'リンクをコピー',
  'room.copied': 'コピーしました',
  'room.qr': '招待リンクの QR コード',
  'room.close': '閉じる',
  'room.undecryptable': 'このメッセージは復号できませんでした。',

  'chat.placeholder': '左のチャットを選ぶか、新しいチャットを作成してください。',
  'chat.hostMine': 'あなたがホスト',
  'chat.hostRemote': 'ホスト: {host}',
  'chat.close': 'チャットを閉じる',
  'chat.loading': 'メッセージを読み込んでいます…',
  'chat.empty': 'メッセージはまだありません。',
  'chat.messagesLabel': '{name} のメッセージ',
  'chat.inputLabel': 'メッセージ',
  'chat.inputPlaceholder': 'メッセージを入力 — Enter で送信、Shift+Enter で改行',
  'chat.send': '送信',
  'chat.sending': '送信中…',
  'author.unsigned': '署名なし',
  'author.unsignedHelp':
    '有効な署名がありません。元のクライアントか、この名前を使う別の人です。誰でもどんな名前でも投稿できます。',
  'author.fingerprintHelp':
    'このメッセージに署名した鍵のフィンガープリントです。比べれば誰が書いたか分かります。',
  'author.nameCollision': '別の投稿者がこの名前を使っています',
  'chat.as': '{name} として投稿',
  'chat.length': '{count} / {max} 文字',
  'chat.live': 'リアルタイム',
  'chat.liveRemote': 'リアルタイム · 0.7 秒ごとに確認',

  'peers.title': '既知のピア',
  'peers.empty': '既知のピアはまだありません。ブートストラップピアに接続するとピアが表示されます。',
  'peers.loading': 'ピアを読み込んでいます…',
  'peers.address': 'アドレス',
  'peers.nat': 'NAT タイプ',
  'peers.role': '役割',
  'peers.lastSeen': '最終確認',
  'peers.firstSeen': '初回確認',
  'peers.path': '経路',
  'role.peer': 'ピア',
  'role.bootstrap': 'ブートストラップ',

  'status.label': 'ステータス',
  'status.nat': 'NAT: {nat}',
  'status.public': '公開アドレス: {address}',
  'status.publicUnknown': '公開アドレス: 不明',
  'status.local': 'UDP ポート {port}',
  'status.bootstraps': 'ブートストラップ:',
  'status.noBootstrap': 'ブートストラップピアなし',
  'status.peers': 'ピア: {count}',
  'status.portMapped': 'ポート転送中: {address}（{method}）',
  'status.wipeIn': '毎日の消去まで {time}',
  'status.wipeNow': '毎日の消去中…',
  'bootstrapState.unknown': '接続中',
  'bootstrapState.registered': '登録済み',
  'bootstrapState.unreachable': '到達不能',
  'bootstrapState.refused': '拒否',
  'bootstrapState.clientOnly': '参加中（このネットワークからは直接届かないため未登録）',
  'mode.peer': 'ピアモード',
  'mode.bootstrap': 'ブートストラップモード',

  'bootstrap.title': 'ブートストラップモード',
  'bootstrap.explain':
    'このコンピュータはブートストラップピアとして動いています。ポートを開放し、ピア同士を紹介します。ブートストラップピアはチャットを持たないため、ここではチャット機能は使えません。チャットするには設定でピアモードに切り替えてください。',
  'bootstrap.registered': '登録済みピア',
  'bootstrap.active': '直近5分に活動',
  'bootstrap.latest': '最新の登録',
  'bootstrap.none': '—',
  'bootstrap.traffic': 'アクティビティ',
  'bootstrap.openSettings': '設定を開く',

  'settings.title': '設定',
  'settings.profile': 'プロフィールとネットワーク',
  'settings.nameLabel': '表示名',
  'settings.bootstrapsLabel': 'ブートストラップピア',
  'settings.bootstrapsHelp':
    '1行に1つ HOST:PORT を入力します。ブートストラップピアは他のピアを紹介してくれます。Nance はそれぞれに登録します。',
  'settings.keepaliveLabel': 'キープアライブ（秒）',
  'settings.keepaliveHelp':
    'ホールパンチングや中継でつながったピアへの NAT の穴を開いたままにします。0 でオフ。すぐに反映されます。',
  'settings.relayLabel': '他のピアの中継',
  'settings.relayHelp':
    '互いに直接つながれないピア同士が、帯域の上限の範囲内で、このコンピューターを経由して通信できるようにします。',
  'settings.portMappingLabel': 'ルーターに Nance のポートの転送を依頼する（UPnP / NAT-PMP）',
  'settings.portMappingHelp':
    'ポートを開けたときのように、このコンピューターに誰からでも届くようになります。次回の起動時から有効です。',
  'settings.restartNote': 'ポート転送の変更は Nance を再起動すると有効になります。',
  'relay.auto': 'ブートストラップモードのときだけ',
  'relay.always': '常に',
  'relay.never': 'しない',
  'settings.save': '保存',
  'settings.saving': '保存しています…',
  'settings.saved': '保存しました。',
  'settings.appearance': '言語と外観',
  'settings.language': '言語',
  'settings.theme': 'テーマ',
  'theme.system': 'システムに合わせる',
  'theme.light': 'ライト',
  'theme.dark': 'ダーク',
  'settings.mode': 'モード',
  'settings.modeHelp':
    'ピアモードはチャットをホストし参加します。ブートストラップモードはチャットを止め、ピアの紹介だけを行います。ポートを開放した常時稼働のマシンで使ってください。',
  'settings.modeCurrent': '現在のモード: {mode}',
  'settings.toBootstrap': 'ブートストラップモードに切り替え',
  'settings.toPeer': 'ピアモードに切り替え',
  'settings.switching': '切り替えています…',
  'identity.title': 'アイデンティティ',
  'identity.help':
    'あなたの投稿は、このコンピューターにある鍵で署名されます。他の人にはあなたの名前とこのフィンガープリントが表示されます。本人かどうか、友だちと見比べて確かめてください。',
  'identity.fingerprintLabel': 'フィンガープリント',
  'identity.loading': 'アイデンティティを読み込んでいます…',
  'identity.exportTitle': 'バックアップ',
  'identity.exportHelp':
    'バックアップファイルと復元フレーズは、どちらも鍵そのものです。持っている人は誰でもあなたとして投稿できます。オフラインで、人に見せずに保管してください。',
  'identity.passphraseLabel': 'ファイルのパスフレーズ（任意）',
  'identity.passphraseHelp':
    'バックアップファイルを保護します。このパスフレーズがないと開けなくなります。忘れるとファイルは使えません。',
  'identity.export': 'バックアップファイルを書き出す',
  'identity.exporting': '準備しています…',
  'identity.exported': 'バックアップファイルを保存しました。',
  'identity.showPhrase': '復元フレーズを表示',
  'identity.hidePhrase': '復元フレーズを隠す',
  'identity.phraseWarning':
    'この24個の単語を見た人は誰でもあなたとして投稿できます。紙に書き留めて安全な場所に保管し、ウェブサイトに入力したり誰かに送ったりしないでください。',
  'identity.phraseLabel': '復元フレーズ',
  'identity.importTitle': '復元',
  'identity.importHelp':
    'バックアップファイルまたは復元フレーズのアイデンティティをこのコンピューターで使います。今のアイデンティティは置き換えられます。',
  'identity.importFile': 'バックアップファイル',
  'identity.importPhrase': 'または復元フレーズ（24単語）',
  'identity.importPassphrase': 'パスフレーズ（保護されたファイルのみ）',
  'identity.check': '確認',
  'identity.checking': '確認しています…',
  'identity.confirm':
    'あなたのアイデンティティ {current} を {next} に置き換えます。これまでの投稿は古い鍵の署名のまま残ります。今のアイデンティティを後で使うかもしれない場合は、先にバックアップしてください。',
  'identity.replace': 'アイデンティティを置き換える',
  'identity.cancel': 'キャンセル',
  'identity.replaced': '完了しました。このコンピューターは {fingerprint} として投稿します。',
  'identity.fileTooLarge': 'このファイルはアイデンティティのバックアップにしては大きすぎます。',
  'identity.nothingToImport': 'バックアップファイルを選ぶか、復元フレーズを入力してください。',
  'identity.problem.word-count': '復元フレーズは24単語です。入力されたのは{count}単語です。',
  'identity.problem.unknown-word':
    '{position}番目の単語（「{word}」）は復元フレーズの単語ではありません。綴りを確かめてください。',
  'identity.problem.checksum':
    '単語の組み合わせが合いません。どれかが違うか、2つの順番が入れ替わっています。',
  'identity.problem.not-a-backup': 'このファイルは Nance のアイデンティティのバックアップではありません。',
  'identity.problem.newer-version':
    'このバックアップは新しいバージョンの Nance で作られました。復元するには Nance を更新してください。',
  'identity.problem.damaged':
    'このバックアップファイルは壊れています（書き換えられたか、途中で切れています）。',
  'identity.problem.passphrase-needed':
    'このバックアップファイルは保護されています。パスフレーズを入力してください。',
  'identity.problem.wrong-passphrase': 'このパスフレーズではバックアップファイルを開けません。',
  'status.identity': '自分:',
  'status.identityHelp': 'あなたの鍵のフィンガープリントです。他の人にはあなたの名前の横に表示されます。',
  'lang.en': 'English',
  'lang.ja': '日本語',
};
