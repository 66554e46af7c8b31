#!/usr/bin/env node
// The release workflow's last step before the draft: every build job's files into one folder.
// Each build uploads its installers and the update feed electron-updater reads (latest.yml,
// latest-linux.yml, latest-mac.yml). The two macOS jobs (arm64 on an arm64 runner, x64 on an
// Intel one) each write a latest-mac.yml naming only their own zip; merged, one feed names both,
// so every Mac finds its architecture. Any other name met twice is an error, not an overwrite,
// and so is a feed naming a file the release does not carry.
//
//   node scripts/merge-release-assets.mjs <parts-dir> <out-dir>
// <parts-dir> holds one folder per build artifact (actions/download-artifact without
// merge-multiple); <out-dir> receives the release's files.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { dump, load } from 'js-yaml';

const FEED = /^latest(-[a-z]+)?\.yml$/;

/** Merges the feeds met under one name: the same version, their `files` lists joined. */
function mergeFeeds(name, feeds) {
  const [first, ...rest] = feeds;
  const files = [...first.files];
  let releaseDate = first.releaseDate;
  for (const feed of rest) {
    if (feed.version !== first.version)
      throw new Error(`${name}: versions differ (${first.version}, ${feed.version})`);
    for (const file of feed.files) {
      const same = files.find((f) => f.url === file.url);
      if (same && same.sha512 !== file.sha512) throw new Error(`${name}: two different ${file.url}`);
      if (!same) files.push(file);
    }
    if (String(feed.releaseDate) > String(releaseDate)) releaseDate = feed.releaseDate;
  }
  // path and sha512 at the top are for updaters older than the `files` list; electron-updater
  // reads `files` and picks the file of its own architecture.
  return { ...first, files, releaseDate };
}

export function mergeReleaseAssets(partsDir, outDir) {
  mkdirSync(outDir, { recursive: true });
  const feeds = new Map();
  const copied = new Set();
  for (const part of readdirSync(partsDir).sort()) {
    for (const name of readdirSync(join(partsDir, part)).sort()) {
      const path = join(partsDir, part, name);
      if (FEED.test(name)) {
        const feed = load(readFileSync(path, 'utf8'));
        if (!feed || !Array.isArray(feed.files) || !feed.version)
          throw new Error(`${part}/${name} is not an update feed`);
        feeds.set(name, [...(feeds.get(name) ?? []), feed]);
        continue;
      }
      if (copied.has(name) || existsSync(join(outDir, name)))
        throw new Error(`${name} comes from two builds`);
      copyFileSync(path, join(outDir, name));
      copied.add(name);
    }
  }
  for (const [name, list] of feeds) {
    const merged = mergeFeeds(name, list);
    for (const file of merged.files)
      if (!copied.has(file.url)) throw new Error(`${name} names ${file.url}, which no build made`);
    writeFileSync(join(outDir, name), dump(merged, { lineWidth: -1 }));
  }
  return { files: [...copied].sort(), feeds: [...feeds.keys()].sort() };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const [partsDir, outDir] = process.argv.slice(2);
  if (!partsDir || !outDir) {
    console.error('usage: merge-release-assets.mjs <parts-dir> <out-dir>');
    process.exit(2);
  }
  try {
    const { files, feeds } = mergeReleaseAssets(partsDir, outDir);
    console.log(`${files.length} files, feeds: ${feeds.join(', ')}`);
  } catch (error) {
    console.error(`merge-release-assets: ${error.message}`);
    process.exit(1);
  }
}
