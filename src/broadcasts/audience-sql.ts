import {
  contactPropertySql,
  contactReachableSql,
  contactsFromSql,
} from "../contacts/contact-audience-sql.js";
import { SqlParams } from "../db/sql-params.js";
import { subscribedToCategorySql } from "../email/unsubscribe/category-preference-sql.js";
import { didEventSql } from "../events/event-history-sql.js";
import type { Audience, AudienceCondition } from "./audience-schema.js";

/** The alias of the contact row in every compiled audience. */
export const AUDIENCE_ALIAS = "c";

/** An audience as SQL: a WHERE over `contacts c` and its parameters, to be placed in one statement. */
export interface CompiledAudience {
  params: SqlParams;
  where: string;
  from: string;
}

/**
 * Compiles an audience into one predicate over `contacts c` (every owner's table read through its owner's
 * fragment): reachable (an address, not unsubscribed from everything), still subscribed to `category`, and the
 * conditions, all or any. `now` fixes "within 30 days" once for the whole statement. Callers add their own
 * placeholders to `params` after this.
 */
export function compileAudience(audience: Audience, category: string, now: Date): CompiledAudience {
  const params = new SqlParams();
  const c = AUDIENCE_ALIAS;
  const base = [contactReachableSql(c), subscribedToCategorySql(params, `${c}.user_id`, category)];
  const conditions = audience.conditions.map((condition) => conditionSql(params, condition, now));
  if (conditions.length > 0) {
    base.push(`(${conditions.join(audience.match === "any" ? "\n OR " : "\n AND ")})`);
  }
  return { params, where: base.join("\n AND "), from: contactsFromSql(c) };
}

function conditionSql(params: SqlParams, condition: AudienceCondition, now: Date): string {
  const c = AUDIENCE_ALIAS;
  switch (condition.type) {
    case "property":
      return contactPropertySql(params, c, {
        property: condition.property,
        operator: condition.operator,
        value: "value" in condition ? condition.value : undefined,
      });
    case "subscribed":
      return subscribedToCategorySql(params, `${c}.user_id`, condition.category);
    case "event": {
      const hours = condition.within
        ? (condition.within.days ?? 0) * 24 + (condition.within.hours ?? 0)
        : undefined;
      const since = hours === undefined ? null : new Date(now.getTime() - hours * 3_600_000);
      const did = didEventSql(params, `${c}.user_id`, { event: condition.event, since });
      return condition.did ? did : `NOT ${did}`;
    }
  }
}
