// The contract of src-shared/api.ts over JSON lines on stdin/stdout, so scripts and tests can drive
// a headless peer: the same messages as the web host's WebSocket (service/command-channel.ts), one
// per line. Nothing read from stdin can stop the peer; end of stdin ends the channel, not the peer.
import { createInterface } from 'node:readline';
import { type CommandService, handleText, subscribeEvents } from '../../service/command-channel.js';

export function attachStdioControl(service: CommandService, write: (line: object) => void): () => void {
  const unsubscribe = subscribeEvents(service, write);
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    if (line.trim() !== '') void handleText(service, line).then(write);
  });
  return () => {
    rl.close();
    unsubscribe();
  };
}
