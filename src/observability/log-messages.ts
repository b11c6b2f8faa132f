/**
 * Log messages that people search for: the seed's example logs and troubleshooting steps quote them
 * (`grep "garbage collection"`), so they are fixed here rather than worded at each call site.
 */
export const logMessages = {
  /** Info, when a WorkloadIdentity event starts a reconciliation of its pods only. */
  targetedReconciliation: 'WorkloadIdentity resource changed, using targeted reconciliation',
  /** Info, when the periodic full reconciliation (every `gcInterval`) starts. */
  fullReconciliation: 'Starting full reconciliation (garbage collection)',
  /** Debug, with fields `spiffeID` and `entryID`. */
  entryCreated: 'Successfully created SPIRE entry',
  /** Debug, with fields `spiffeID` and `entryID`. */
  entryUpdated: 'Successfully updated SPIRE entry',
  /** Debug, with fields `spiffeID` and `entryID`. */
  entryDeleted: 'Successfully deleted SPIRE entry',
} as const;
