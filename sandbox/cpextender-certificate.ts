/**
 * The CP Extender sandbox's gift-card certificate: a real baseline JPEG (jpeg-js, pure JS)
 * that shows the card number and its value, drawn with a small built-in 5x7 bitmap font.
 */
import { encode } from 'jpeg-js';

/** Rows of each glyph, 5 pixels wide; characters without a glyph are left blank. */
const GLYPHS: Record<string, string> = {
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11100 10010 10001 10001 10001 10010 11100',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 01010 00100 00100 00100 00100',
};

const WIDTH = 560;
const HEIGHT = 240;
const BACKGROUND = [250, 244, 228];
const INK = [40, 52, 96];

/** A JPEG certificate for card `id` worth `value`. */
export function renderCertificate(id: string, value: number): Buffer {
  const pixels = Buffer.alloc(WIDTH * HEIGHT * 4);
  for (let i = 0; i < WIDTH * HEIGHT; i++) pixels.set([...BACKGROUND, 255], i * 4);
  const frame = (x: number, y: number) => x < 8 || y < 8 || x >= WIDTH - 8 || y >= HEIGHT - 8;
  for (let y = 0; y < HEIGHT; y++)
    for (let x = 0; x < WIDTH; x++) if (frame(x, y)) pixels.set(INK, (y * WIDTH + x) * 4);

  drawText(pixels, 'GIFT CARD', 32, 28, 5);
  drawText(pixels, id.toUpperCase(), 32, 104, 4);
  drawText(pixels, `VALUE ${value.toFixed(2)}`, 32, 168, 4);
  return encode({ data: pixels, width: WIDTH, height: HEIGHT }, 90).data;
}

function drawText(pixels: Buffer, text: string, left: number, top: number, scale: number): void {
  [...text].forEach((char, index) => {
    const rows = GLYPHS[char]?.split(' ') ?? [];
    const x0 = left + index * 6 * scale;
    rows.forEach((row, gy) =>
      [...row].forEach((bit, gx) => {
        if (bit !== '1') return;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const x = x0 + gx * scale + dx;
            const y = top + gy * scale + dy;
            if (x < WIDTH && y < HEIGHT) pixels.set(INK, (y * WIDTH + x) * 4);
          }
        }
      }),
    );
  });
}
