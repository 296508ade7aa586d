import { afterAll, beforeAll } from 'vitest';
import { createLedgerTable, type LocalLedger, startLocalLedger } from '../../local/world/ledger';

/**
 * One dynalite for a test file, and a fresh ledger table for each test that
 * asks (no test sees another's items). Registers its own start and stop.
 *
 * @example const ledgers = useLedgerTables('budget'); beforeEach(async () => { tableName = await ledgers.freshTable(); });
 */
export function useLedgerTables(prefix: string): { readonly local: LocalLedger; freshTable(): Promise<string> } {
  let local: LocalLedger | undefined;
  let tables = 0;
  beforeAll(async () => {
    local = await startLocalLedger();
  });
  afterAll(async () => {
    await local?.close();
  });
  return {
    get local() {
      if (local === undefined) throw new Error('the local ledger starts in beforeAll');
      return local;
    },
    async freshTable() {
      tables += 1;
      const tableName = `${prefix}-${tables}`;
      await createLedgerTable(this.local.client, tableName);
      return tableName;
    },
  };
}
