/** A contact as the admin API, import and export see it. */
export interface ContactRecord {
  userId: string;
  email: string | null;
  properties: Record<string, unknown>;
  subscribed: boolean;
  unsubscribedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
  lastSeenAt: Date | null;
}

export interface ContactRow {
  user_id: string;
  email: string | null;
  properties: Record<string, unknown>;
  unsubscribed_at: Date | null;
  created_at: Date;
  updated_at: Date;
  last_seen_at: Date | null;
}

export const CONTACT_COLUMNS =
  "user_id, email, properties, unsubscribed_at, created_at, updated_at, last_seen_at";

export function toContactRecord(row: ContactRow): ContactRecord {
  return {
    userId: row.user_id,
    email: row.email,
    properties: row.properties,
    subscribed: row.unsubscribed_at === null,
    unsubscribedAt: row.unsubscribed_at,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    lastSeenAt: row.last_seen_at,
  };
}
