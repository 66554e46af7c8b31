// scripts/icons.mjs run into a temporary folder: every size and format the installers and the
// tray need, checked by decoding them (PNG via sharp, ICO and ICNS by their headers), and the
// committed copies in assets/ checked against a fresh rendering.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT, runIconScript } from './support.js';

const LINUX_SIZES = [16, 24, 32, 48, 64, 128, 256, 512];
const ICO_SIZES = [16, 24, 32, 48, 64, 128, 256];
/** ICNS element types and the pixel size each holds (null: a mask or RLE bitmap, checked by length). */
const ICNS_ELEMENTS: [string, number][] = [
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
const GENERATED = [
  'icon.png',
  'icon.ico',
  'icon.icns',
  ...LINUX_SIZES.map((s) => `icons/${s}x${s}.png`),
  'tray/tray.png',
  'tray/tray@2x.png',
  'tray/trayTemplate.png',
  'tray/trayTemplate@2x.png',
].sort();
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

interface IcoEntry {
  width: number;
  height: number;
  bitCount: number;
  format: 'png' | 'bmp';
  dataWidth: number;
  dataHeight: number;
}

/** Reads the ICONDIR header, its entries, and the header of each image they point to. */
function parseIco(file: Buffer): IcoEntry[] {
  expect(file.readUInt16LE(0)).toBe(0); // reserved
  expect(file.readUInt16LE(2)).toBe(1); // 1 = icon
  const count = file.readUInt16LE(4);
  const entries: IcoEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 6 + i * 16;
    const width = file.readUInt8(at) || 256;
    const height = file.readUInt8(at + 1) || 256;
    const bitCount = file.readUInt16LE(at + 6);
    const size = file.readUInt32LE(at + 8);
    const offset = file.readUInt32LE(at + 12);
    expect(offset + size).toBeLessThanOrEqual(file.length);
    const data = file.subarray(offset, offset + size);
    if (data.subarray(0, 8).equals(PNG_SIGNATURE)) {
      entries.push({
        width,
        height,
        bitCount,
        format: 'png',
        dataWidth: data.readUInt32BE(16),
        dataHeight: data.readUInt32BE(20),
      });
    } else {
      expect(data.readUInt32LE(0)).toBe(40); // BITMAPINFOHEADER
      // A BMP inside an ICO is twice as high: the colour image, then the AND mask.
      entries.push({
        width,
        height,
        bitCount,
        format: 'bmp',
        dataWidth: data.readInt32LE(4),
        dataHeight: data.readInt32LE(8) / 2,
      });
    }
  }
  return entries;
}

interface IcnsElement {
  type: string;
  data: Buffer;
}

/** Reads the ICNS header ('icns' + total length) and its elements (type + length + data). */
function parseIcns(file: Buffer): IcnsElement[] {
  expect(file.subarray(0, 4).toString('latin1')).toBe('icns');
  expect(file.readUInt32BE(4)).toBe(file.length);
  const elements: IcnsElement[] = [];
  for (let at = 8; at < file.length; ) {
    const type = file.subarray(at, at + 4).toString('latin1');
    const length = file.readUInt32BE(at + 4);
    expect(length).toBeGreaterThan(8);
    elements.push({ type, data: file.subarray(at + 8, at + length) });
    at += length;
  }
  return elements;
}

async function rgba(file: string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(file).ensureAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

describe('scripts/icons.mjs', () => {
  let out = '';
  let log = '';

  beforeAll(() => {
    out = mkdtempSync(join(tmpdir(), 'nance-icons-'));
    log = runIconScript(out);
  }, 60_000);

  afterAll(() => {
    if (out) rmSync(out, { recursive: true, force: true });
  });

  it('writes every icon file, and only those', () => {
    expect(log).toMatch(/wrote 15 files/);
    const files = readdirSync(out, { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) => relative(out, join(entry.parentPath, entry.name)).split(sep).join('/'))
      .sort();
    expect(files).toEqual(GENERATED);
  });

  it('renders PNGs at the sizes their names say, with alpha', async () => {
    const expected: [string, number][] = [
      ['icon.png', 1024],
      ...LINUX_SIZES.map((s): [string, number] => [`icons/${s}x${s}.png`, s]),
      ['tray/tray.png', 16],
      ['tray/tray@2x.png', 32],
      ['tray/trayTemplate.png', 16],
      ['tray/trayTemplate@2x.png', 32],
    ];
    for (const [file, size] of expected) {
      const meta = await sharp(join(out, file)).metadata();
      expect({
        file,
        format: meta.format,
        width: meta.width,
        height: meta.height,
        alpha: meta.hasAlpha,
      }).toEqual({
        file,
        format: 'png',
        width: size,
        height: size,
        alpha: true,
      });
    }
  });

  it('packs 16–256 px, 32 bits each, into the Windows .ico', () => {
    const entries = parseIco(readFileSync(join(out, 'icon.ico')));
    expect(entries.map((e) => e.width).sort((a, b) => a - b)).toEqual(ICO_SIZES);
    for (const e of entries) {
      expect(e.height).toBe(e.width);
      expect(e.bitCount).toBe(32);
      expect([e.dataWidth, e.dataHeight]).toEqual([e.width, e.height]);
    }
  });

  it('packs the iconutil set of elements into the macOS .icns', async () => {
    const elements = parseIcns(readFileSync(join(out, 'icon.icns')));
    expect(elements.map((e) => e.type)).toEqual(ICNS_ELEMENTS.map(([type]) => type));
    for (const { type, data } of elements) {
      const size = ICNS_ELEMENTS.find(([t]) => t === type)?.[1] ?? 0;
      if (type === 's8mk' || type === 'l8mk') {
        expect(data.length, type).toBe(size * size); // one 8-bit alpha byte per pixel
      } else if (type === 'is32' || type === 'il32') {
        expect(data.length, type).toBeGreaterThan(0); // PackBits-compressed RGB
        expect(data.length, type).toBeLessThanOrEqual(size * size * 3 + size * 3);
      } else {
        expect(data.subarray(0, 8).equals(PNG_SIGNATURE), type).toBe(true);
        const meta = await sharp(data).metadata();
        expect([type, meta.width, meta.height]).toEqual([type, size, size]);
      }
    }
  });

  it('makes the macOS tray template pure black with alpha, and a real glyph', async () => {
    for (const file of ['tray/trayTemplate.png', 'tray/trayTemplate@2x.png']) {
      const { data, width, height } = await rgba(join(out, file));
      let coloured = 0;
      let opaque = 0;
      let clear = 0;
      for (let i = 0; i < width * height; i++) {
        if (data[i * 4] !== 0 || data[i * 4 + 1] !== 0 || data[i * 4 + 2] !== 0) coloured++;
        const a = data[i * 4 + 3] ?? 0;
        if (a === 255) opaque++;
        if (a === 0) clear++;
      }
      expect(coloured, file).toBe(0);
      // Neither empty nor a filled square: a shape with see-through parts.
      expect(opaque / (width * height), file).toBeGreaterThan(0.25);
      expect(clear / (width * height), file).toBeGreaterThan(0.2);
    }
  });

  it('paints the Windows/Linux tray image in the app colour', async () => {
    const { data, width, height } = await rgba(join(out, 'tray/tray.png'));
    let visible = 0;
    for (let i = 0; i < width * height; i++) {
      if ((data[i * 4 + 3] ?? 0) === 0) continue;
      visible++;
      expect([data[i * 4], data[i * 4 + 1], data[i * 4 + 2]]).toEqual([0x3b, 0x82, 0xf6]);
    }
    expect(visible).toBeGreaterThan(0);
  });

  it('keeps the 16 px app icon readable: a white bubble on the blue tile, with the amber sun', async () => {
    const { data, width, height } = await rgba(join(out, 'icons/16x16.png'));
    let white = 0;
    let blue = 0;
    let amber = 0;
    for (let i = 0; i < width * height; i++) {
      const [r = 0, g = 0, b = 0, a = 0] = data.subarray(i * 4, i * 4 + 4);
      if (a < 200) continue;
      if (r > 220 && g > 220 && b > 220) white++;
      else if (b > 180 && r < 120) blue++;
      else if (r > 200 && g > 120 && b < 120) amber++;
    }
    const n = width * height;
    expect(white / n).toBeGreaterThan(0.1);
    expect(blue / n).toBeGreaterThan(0.25);
    expect(amber).toBeGreaterThan(2);
  });

  it('matches the committed icons in assets/ (run `npm run icons` after changing a drawing)', async () => {
    for (const file of GENERATED.filter((f) => f.endsWith('.png'))) {
      const committed = join(ROOT, 'assets', file);
      expect(existsSync(committed), `${file} is not committed`).toBe(true);
      const a = await rgba(committed);
      const b = await rgba(join(out, file));
      expect([a.width, a.height]).toEqual([b.width, b.height]);
      let diff = 0;
      for (let i = 0; i < a.data.length; i++) diff += Math.abs((a.data[i] ?? 0) - (b.data[i] ?? 0));
      // Identical with the same sharp; a little slack for another libvips' antialiasing.
      expect(diff / a.data.length, file).toBeLessThan(0.5);
    }
    const ico = (dir: string) => parseIco(readFileSync(join(dir, 'icon.ico')));
    expect(ico(join(ROOT, 'assets'))).toEqual(ico(out));
    const icns = (dir: string) => parseIcns(readFileSync(join(dir, 'icon.icns'))).map((e) => e.type);
    expect(icns(join(ROOT, 'assets'))).toEqual(icns(out));
  });

  it('draws from two SVG sources', async () => {
    for (const svg of ['assets/icon.svg', 'assets/tray/tray.svg']) {
      expect((await sharp(join(ROOT, svg)).metadata()).format, svg).toBe('svg');
    }
  });
});
