/** Rows deleted per statement by the retention jobs, so a large backlog never holds long locks or one huge transaction. */
export const DELETE_BATCH = 5000;

/**
 * Runs a `delete … limit DELETE_BATCH` statement until it deletes fewer than a batch; returns the rows deleted
 * in all. Shared by the event backbone's retention and the identity/abuse-resistance retention.
 */
export async function deleteInBatches(statement: () => Promise<{ count: number }>): Promise<number> {
  let total = 0;
  for (;;) {
    const { count } = await statement();
    total += count;
    if (count < DELETE_BATCH) return total;
  }
}
