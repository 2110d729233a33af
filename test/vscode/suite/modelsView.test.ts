/**
 * The Models view tells runs apart at a glance in a 260 px side bar (issue 38, item 5): every
 * row read "lstm-1x128-poems-20261..."; the label now starts with what differs.
 */
import * as assert from 'node:assert/strict';
import { shownName } from '../../../extension/models';

describe('Models view names', () => {
  it('show the text and the date first, the cell and size left to the description; other names as they are', () => {
    assert.equal(shownName('lstm-1x128-poems-20261207-0801'), 'poems 12-07 08:01');
    assert.equal(shownName('gru-2x64-新华社-news-20261207-1359'), '新华社-news 12-07 13:59');
    assert.equal(shownName('lstm-1x128-poems-20261207-0801-2'), 'poems 12-07 08:01 (2)');
    assert.notEqual(shownName('lstm-1x128-poems-20261207-0801'), shownName('lstm-1x128-poems-20261207-0802'));
    assert.equal(shownName('my model'), 'my model');
    assert.equal(shownName('lstm-1x128-poems-20261207-0801-last'), 'lstm-1x128-poems-20261207-0801-last');
  });
});
