/**
 * Writes docs/claims.md, the audit table of the chapter's claims, from engine/chapter/claims.ts
 * (engine/chapter/claimsTable.ts). Run: `node --import tsx scripts/claimsTable.ts`.
 * test/engine/chapterClaimsTable.test.ts fails when the file differs from what this writes.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { claimsTableMarkdown } from '../engine/chapter/claimsTable';

export const CLAIMS_TABLE_FILE = path.join(__dirname, '..', 'docs', 'claims.md');

if (require.main === module) {
  fs.writeFileSync(CLAIMS_TABLE_FILE, claimsTableMarkdown());
  console.log(`wrote ${CLAIMS_TABLE_FILE}`);
}
