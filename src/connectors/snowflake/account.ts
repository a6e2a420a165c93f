// Snowflake account identifiers: the host to call and the account name the key-pair JWT claims carry.
//
// Accepted forms: organisation-account (`myorg-myaccount`), account locator with optional region and
// cloud (`xy12345`, `xy12345.us-east-2.aws`), either with a `.privatelink` / `.global` tail, and the dotted
// `myorg.myaccount` form. A trailing `.snowflakecomputing.com` is tolerated.
export type SnowflakeAccount = {
  host: string; // e.g. myorg-myaccount.snowflakecomputing.com
  jwtAccount: string; // e.g. MYORG-MYACCOUNT (uppercase, no region, no dots)
};

const SUFFIX = /\.snowflakecomputing\.com\.?$/i;
// Region / cloud / connectivity segments that follow an account locator.
const REGION_SEGMENT = /^(?:[a-z]+(?:-[a-z]+)*-\d+|aws|gcp|azure|privatelink|global|[a-z]+-gov(?:-[a-z]+)*-\d+)$/i;

export function normaliseAccount(input: string): SnowflakeAccount {
  const id = input.trim().replace(SUFFIX, "");
  const [first = "", ...tail] = id.split(".");
  const tailIsRegion = tail.length > 0 && tail.every((s) => REGION_SEGMENT.test(s));

  let jwtAccount: string;
  let hostId: string;
  if (tail.length === 0) {
    jwtAccount = first;
    hostId = first;
  } else if (tailIsRegion) {
    // Snowflake's own samples: for `.global` (replication) identifiers take the part before the first
    // hyphen; otherwise drop region/cloud segments after the first dot.
    jwtAccount = tail.some((s) => s.toLowerCase() === "global") ? first.split("-")[0]! : first;
    hostId = id;
  } else {
    // `org.account`: periods are not allowed in JWT account names; the docs say use hyphens.
    jwtAccount = id.replace(/\./g, "-");
    hostId = jwtAccount;
  }
  // Host names cannot carry `_`; Snowflake accepts the variant with `-` for each `_` in the account part.
  const hostLabel = hostId.toLowerCase().split(".");
  hostLabel[0] = hostLabel[0]!.replace(/_/g, "-");
  return { host: `${hostLabel.join(".")}.snowflakecomputing.com`, jwtAccount: jwtAccount.toUpperCase() };
}
