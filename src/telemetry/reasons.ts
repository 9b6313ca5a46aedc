// Event reasons: stable strings users and alerts match on. Add here; never rename.
export const Reasons = {
  LeaderElected: "LeaderElected",
  InvalidSpec: "InvalidSpec",
  ReconcileError: "ReconcileError",
} as const;

export type Reason = (typeof Reasons)[keyof typeof Reasons];
