import { AwsClient } from "aws4fetch";
import { ConnectorError } from "../errors";
import { codeForStatus, readIcebergError, redact } from "../iceberg/errors";
import type { ConnectorContext, ResolvedCredential } from "../types";
import { glueEndpoint, type GlueConfig } from "./config";

// The AWS Glue API: AWS JSON 1.1 (POST /, X-Amz-Target: AWSGlue.<Operation>), signed with SigV4
// service "glue" through aws4fetch and sent through the context's guarded fetch. Throttling is
// retried once when the deadline allows; errors keep the AWS type as engineCode.

export class GlueClient {
  roundTrips = 0;
  readonly aws: AwsClient;
  readonly endpoint: string;
  readonly secrets: string[];

  constructor(
    readonly config: GlueConfig,
    credential: ResolvedCredential | null,
    readonly ctx: ConnectorContext,
  ) {
    if (!credential || credential.method !== "accessKey") throw new ConnectorError("invalid_request", "The glue connector needs an accessKey credential");
    const { accessKeyId } = credential.identity;
    const { secretAccessKey, sessionToken } = credential.secrets;
    if (!accessKeyId || !secretAccessKey) throw new ConnectorError("invalid_request", "The accessKey credential needs accessKeyId and secretAccessKey");
    this.secrets = [secretAccessKey, ...(sessionToken ? [sessionToken] : [])];
    this.aws = new AwsClient({ accessKeyId, secretAccessKey, sessionToken: sessionToken || undefined, service: "glue", region: config.region, retries: 0 });
    this.endpoint = glueEndpoint(config);
  }

  redact(text: string) {
    return redact(text, this.secrets);
  }

  async call<T>(operation: string, body: Record<string, unknown>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      const signed = await this.aws.sign(`${this.endpoint}/`, {
        method: "POST",
        headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AWSGlue.${operation}` },
        body: JSON.stringify(body),
      });
      this.roundTrips++;
      const res = await this.ctx.fetch(signed.url, { method: "POST", headers: signed.headers, body: JSON.stringify(body) });
      if (res.ok) {
        try {
          return (await res.json()) as T;
        } catch {
          throw new ConnectorError("upstream_error", `Glue ${operation} answered with invalid JSON`);
        }
      }
      const err = await readIcebergError(res, this.secrets);
      const throttled = err.type === "ThrottlingException" || res.status === 429 || res.status === 503;
      if (throttled && attempt === 0 && Date.now() + 300 < this.ctx.deadline - 500) {
        await new Promise((r) => setTimeout(r, 200));
        continue;
      }
      throw glueError(operation, res.status, err);
    }
  }
}

function glueError(operation: string, status: number, err: { type?: string; message: string }): ConnectorError {
  const byType: Record<string, ConnectorError["code"]> = {
    EntityNotFoundException: "not_found",
    AccessDeniedException: "permission_denied",
    UnrecognizedClientException: "auth_failed",
    InvalidSignatureException: "auth_failed",
    IncompleteSignature: "auth_failed",
    ExpiredTokenException: "auth_failed",
    InvalidInputException: "invalid_request",
    ValidationException: "invalid_request",
    ThrottlingException: "rate_limited",
    OperationTimeoutException: "timeout",
  };
  const code = (err.type && byType[err.type]) || codeForStatus(status, err.type);
  const lead = code === "auth_failed" ? "AWS rejected the credentials" : code === "permission_denied" ? "AWS Glue denied access" : `Glue ${operation} failed`;
  return new ConnectorError(code, `${lead} (HTTP ${status}${err.type ? ` ${err.type}` : ""}): ${err.message}`, err.type ? { engineCode: err.type } : {});
}
