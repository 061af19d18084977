/**
 * A transport-free filter over users or groups: what the SCIM filter grammar (RFC 7644 §3.4.2.2) means once
 * attribute names are resolved. `path` holds canonical attribute names; an extension attribute starts with
 * its schema URN (`['urn:…:enterprise:2.0:User', 'department']`).
 */
export type CompareOp = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

export type FilterValue = string | number | boolean | null;

export type ValueKind = 'string' | 'boolean' | 'number' | 'dateTime';

export type ResourceFilter =
  | { readonly kind: 'and' | 'or'; readonly filters: readonly ResourceFilter[] }
  | { readonly kind: 'not'; readonly filter: ResourceFilter }
  | {
      readonly kind: 'compare';
      readonly op: CompareOp;
      readonly path: readonly string[];
      readonly value: FilterValue;
      readonly caseExact: boolean;
      readonly valueKind: ValueKind;
    }
  | { readonly kind: 'present'; readonly path: readonly string[] }
  /** Some element of the multi-valued attribute `attribute` matches `filter` (paths relative to the element). */
  | { readonly kind: 'has'; readonly attribute: string; readonly filter: ResourceFilter };

export interface SortSpec {
  readonly path: readonly string[];
  readonly descending: boolean;
  readonly caseExact: boolean;
}

export interface ListQuery {
  readonly filter?: ResourceFilter | undefined;
  readonly sort?: SortSpec | undefined;
  /** 0-based offset (SCIM startIndex − 1). */
  readonly offset: number;
  readonly limit: number;
}
