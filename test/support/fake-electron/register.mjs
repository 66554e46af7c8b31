// `node --import ./register.mjs build/src-main/host/electron/main.js`: runs the desktop app's main
// process in plain Node, with 'electron' resolved to ./electron.mjs (see there).
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
