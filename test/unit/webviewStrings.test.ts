// The profile webview's strings: placeholders filled by fmt, translations from the host checked by mergeStrings.
import assert from 'node:assert/strict';
import { WEBVIEW_STRINGS, fmt, mergeStrings } from '../../src/core/webview/strings';

describe('webview strings', () => {
  it('fills placeholders in any order and leaves unknown ones', () => {
    assert.equal(fmt('{0} matches · {1} of total', 3, '12.5%'), '3 matches · 12.5% of total');
    assert.equal(fmt('显示 {1} 行中的 {0} 行', 1000, 4321), '显示 4321 行中的 1000 行');
    assert.equal(fmt('{0} and {3}', 'a'), 'a and {3}');
  });

  it('takes the host\'s translations, and English for missing, malformed or placeholder-breaking ones', () => {
    const t = mergeStrings({
      flameTab: '火焰图',
      matches: '{0} 个匹配',
      rows: 42,
      topTab: '',
      nonsense: 'x',
    });
    assert.equal(t.flameTab, '火焰图');
    assert.equal(t.matches, WEBVIEW_STRINGS.matches, 'a translation dropping {1} is refused');
    assert.equal(t.rows, WEBVIEW_STRINGS.rows);
    assert.equal(t.topTab, WEBVIEW_STRINGS.topTab);
    assert.ok(!('nonsense' in t));
    assert.deepEqual(mergeStrings(undefined), WEBVIEW_STRINGS);
  });
});
