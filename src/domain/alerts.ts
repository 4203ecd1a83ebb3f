// Process alerts the system raises (the seed's "Process Alerts").
export const STATE_RESYNC_REQUESTED_ALERT = { category: 'Vertical Interoperability', title: 'State Resync Requested' } as const;
