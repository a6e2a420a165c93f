import { ConnectorError } from "../errors";
import type { ResolvedCredential } from "../types";
import type { SnowflakeAccount } from "./account";
import { KeyPairJwt } from "./jwt";

// One object per session that knows how to authorise a request for the chosen credential method,
// with the X-Snowflake-Authorization-Token-Type header Snowflake expects for it.
export type SnowflakeAuth = {
  method: string;
  headers(): Promise<Record<string, string>>;
  // Snowflake said the token expired: true when a fresh token can be made (key-pair JWT only).
  refresh(): Promise<boolean>;
  // Secret strings that must never appear in a message.
  secrets: string[];
};

export function createAuth(account: SnowflakeAccount, credential: ResolvedCredential | null): SnowflakeAuth {
  if (!credential) throw new ConnectorError("invalid_request", "A Snowflake connection needs a credential (keyPair, programmaticAccessToken or oauth); attach one with credentialId.");
  const { method, identity, secrets } = credential;
  switch (method) {
    case "keyPair": {
      const user = identity.user;
      const privateKey = secrets.privateKey;
      if (!user || !privateKey) throw new ConnectorError("auth_failed", "Key-pair authentication needs a user and a private key.");
      const jwt = new KeyPairJwt({ jwtAccount: account.jwtAccount, user, privateKey, passphrase: secrets.passphrase });
      const known = [privateKey, ...(secrets.passphrase ? [secrets.passphrase] : [])];
      // Requests sent together share one signature instead of signing one each.
      let pending: Promise<string> | null = null;
      return {
        method,
        secrets: known,
        async headers() {
          const token = await (pending ??= jwt.token().finally(() => (pending = null)));
          if (!known.includes(token)) known.push(token);
          return { Authorization: `Bearer ${token}`, "X-Snowflake-Authorization-Token-Type": "KEYPAIR_JWT" };
        },
        async refresh() {
          await jwt.invalidate();
          return true;
        },
      };
    }
    case "programmaticAccessToken":
    case "oauth": {
      const token = secrets.token;
      if (!token) throw new ConnectorError("auth_failed", "A token is required.");
      const type = method === "oauth" ? "OAUTH" : "PROGRAMMATIC_ACCESS_TOKEN";
      return {
        method,
        secrets: [token],
        async headers() {
          return { Authorization: `Bearer ${token}`, "X-Snowflake-Authorization-Token-Type": type };
        },
        async refresh() {
          return false;
        },
      };
    }
    default:
      throw new ConnectorError("auth_failed", `Unknown Snowflake credential method "${method}".`);
  }
}
