#!/usr/bin/env node
// Renders the two source drawings into every icon the installers and the tray need:
//
//   assets/icon.svg       -> assets/icon.png (1024), assets/icons/NxN.png (Linux),
//                            assets/icon.ico (Windows), assets/icon.icns (macOS)
//   assets/tray/tray.svg  -> assets/tray/tray.png, tray@2x.png (colour: Windows, Linux)
//                            assets/tray/trayTemplate.png, trayTemplate@2x.png (black + alpha: macOS)
//
// Every size is rendered from the vector drawing at that size (never scaled down from a big
// bitmap), so the 16 px icons stay crisp. The outputs are committed, so packaging works from a
// clone; the packaging tests regenerate them into a temporary folder and compare.
//
// Usage: node scripts/icons.mjs [--out DIR]    (default DIR: assets/, beside the sources)
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Icns, IcnsImage } from '@fiahfy/icns';
import pngToIco from 'png-to-ico';
import sharp from 'sharp';

const here = dirname(fileURLToPath(import.meta.url));
export const SOURCE_DIR = resolve(here, '..', 'assets');

/** Sizes of the Linux icon set (electron-builder's `linux.icon` folder of NxN.png files). */
export const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
/** Sizes inside the Windows .ico. */
export const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/**
 * Elements of the macOS .icns, as iconutil writes them: the two legacy RLE bitmaps with their
 * 8-bit masks for 16 and 32 px, then PNG entries up to 512@2x.
 */
export const ICNS_TYPES = [
  ['is32', 16],
  ['s8mk', 16],
  ['il32', 32],
  ['l8mk', 32],
  ['ic11', 32],
  ['ic12', 64],
  ['ic07', 128],
  ['ic13', 256],
  ['ic08', 256],
  ['ic14', 512],
  ['ic09', 512],
  ['ic10', 1024],
];
/** Base size of the tray image; the @2x file is twice this. */
export const TRAY_SIZE = 16;
/** Colour of the Windows / Linux tray glyph: the app's accent, readable on light and dark panels. */
export const TRAY_COLOUR = { r: 0x3b, g: 0x82, b: 0xf6 };

/** Renders an SVG at size × size pixels (RGBA PNG). */
async function renderSvg(svg, size) {
  const meta = await sharp(svg).metadata();
  const density = (72 * size) / Math.max(meta.width ?? size, meta.height ?? size);
  return sharp(svg, { density })
    .resize(size, size, { fit: 'contain', background: { r: 0, g: 0, b: 0, alpha: 0 } })
    .ensureAlpha()
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/** Renders the glyph's coverage at `size` and paints it in one colour: RGB constant, alpha = coverage. */
async function renderGlyph(svg, size, { r, g, b }) {
  const rendered = await renderSvg(svg, size);
  const alpha = await sharp(rendered).extractChannel(3).raw().toBuffer();
  const rgba = Buffer.alloc(size * size * 4);
  for (let i = 0; i < size * size; i++) {
    rgba[i * 4] = r;
    rgba[i * 4 + 1] = g;
    rgba[i * 4 + 2] = b;
    rgba[i * 4 + 3] = alpha[i] ?? 0;
  }
  return sharp(rgba, { raw: { width: size, height: size, channels: 4 } })
    .png({ compressionLevel: 9 })
    .toBuffer();
}

/**
 * Writes every icon into `outDir` (same layout as assets/). Returns the paths written,
 * relative to `outDir`.
 */
export async function generateIcons({ outDir = SOURCE_DIR, sourceDir = SOURCE_DIR } = {}) {
  const iconSvg = await readFile(join(sourceDir, 'icon.svg'));
  const traySvg = await readFile(join(sourceDir, 'tray', 'tray.svg'));
  const written = [];
  const put = async (rel, data) => {
    const file = join(outDir, rel);
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, data);
    written.push(rel);
  };

  const sizes = [...new Set([...LINUX_SIZES, ...ICO_SIZES, ...ICNS_TYPES.map(([, s]) => s), 1024])];
  const png = new Map();
  for (const size of sizes) png.set(size, await renderSvg(iconSvg, size));
  const at = (size) => {
    const data = png.get(size);
    if (!data) throw new Error(`no ${size}px rendering`);
    return data;
  };

  await put('icon.png', at(1024));
  for (const size of LINUX_SIZES) await put(`icons/${size}x${size}.png`, at(size));
  await put('icon.ico', await pngToIco(ICO_SIZES.map(at)));

  const icns = new Icns();
  for (const [type, size] of ICNS_TYPES) icns.append(IcnsImage.fromPNG(at(size), type));
  await put('icon.icns', icns.data);

  const black = { r: 0, g: 0, b: 0 };
  await put('tray/tray.png', await renderGlyph(traySvg, TRAY_SIZE, TRAY_COLOUR));
  await put('tray/tray@2x.png', await renderGlyph(traySvg, TRAY_SIZE * 2, TRAY_COLOUR));
  await put('tray/trayTemplate.png', await renderGlyph(traySvg, TRAY_SIZE, black));
  await put('tray/trayTemplate@2x.png', await renderGlyph(traySvg, TRAY_SIZE * 2, black));
  return written;
}

async function main(argv) {
  let outDir = SOURCE_DIR;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--out' && argv[i + 1]) outDir = resolve(argv[++i]);
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: node scripts/icons.mjs [--out DIR]');
      return;
    } else throw new Error(`unknown argument: ${arg}`);
  }
  const written = await generateIcons({ outDir });
  const shown = relative(process.cwd(), outDir) || '.';
  console.log(`icons: wrote ${written.length} files to ${shown}`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).catch((error) => {
    console.error(`icons: ${error instanceof Error ? error.message : error}`);
    process.exit(1);
  });
}
