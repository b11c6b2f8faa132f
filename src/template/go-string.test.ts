import assert from 'node:assert/strict';
import { test } from 'node:test';
import { byteAt, byteLength, compareStrings, fromBytes, runeCount, sliceBytes, toBytes, toWellFormedText } from './go-string.ts';

test('lengths and indexes are in UTF-8 bytes, as in Go', () => {
  assert.equal(byteLength('héllo'), 6);
  assert.equal(byteLength('😀'), 4);
  assert.equal(byteAt('héllo', 1), 0xc3);
  assert.equal(byteAt('héllo', 2), 0xa9);
  assert.equal(runeCount('héllo😀'), 6);
});

test('a slice that cuts a character keeps the raw bytes, and they survive a round trip', () => {
  const cut = sliceBytes('héllo', 0, 2);
  assert.equal(byteLength(cut), 2);
  assert.deepEqual([...toBytes(cut)], [0x68, 0xc3]);
  assert.equal(sliceBytes(cut + sliceBytes('héllo', 2, 6), 0, 6), 'héllo');
  assert.equal(fromBytes(Uint8Array.of(0xc3, 0xa9)), 'é');
  assert.equal(toWellFormedText(cut), 'h\uFFFD');
  assert.deepEqual([...toBytes(fromBytes(Uint8Array.of(0xff, 0x41, 0xe2, 0x82)))], [0xff, 0x41, 0xe2, 0x82]);
});

test('strings compare by bytes, as Go orders map keys', () => {
  const keys = ['b', 'B', 'é', 'z', '😀', '\uffff', '10', '9', ''];
  assert.deepEqual(keys.sort(compareStrings), ['', '10', '9', 'B', 'b', 'z', 'é', '\uffff', '😀']);
});
