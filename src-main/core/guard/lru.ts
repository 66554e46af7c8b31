// Moved to core/lru.ts (it serves more than the guard); this re-export goes once every import is moved.
export { Lru } from '../lru.js';
