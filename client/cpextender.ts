/**
 * The CP Extender operations beyond issuing a card (which is an ordinary `startGiftOrder`):
 * two-phase redemptions, ID pools, and reading an issued card's stored certificate.
 *
 *   const redemption = await giftflow.cpextender.redeem({ redemptionRef: 'pos-7-sale-311', input: { giftCardId, amount: 40 } });
 *   const result = await giftflow.cpextender.confirmRedemption(redemption.workflowId);
 */
import { createHash } from 'node:crypto';
import { WorkflowUpdateFailedError, type WorkflowHandle } from '@temporalio/client';
import { createArtifactStore, type ArtifactStore } from '../activities/artifact-store';
import { loadArtifactsDir } from '../config';
import {
  cancelRedemptionUpdate,
  confirmRedemptionUpdate,
  type CpExtenderIssueResult,
  type CpExtenderPoolInput,
  type CpExtenderPoolResult,
  type CpExtenderRedeemInput,
  type CpExtenderRedeemResult,
} from '../contracts/cpextender';
import { CATALOGUE } from '../contracts/catalogue';
import { formatMinorUnits, PROVIDER_SCALES, toMinorUnits } from '../contracts/money';
import { statusQuery } from '../contracts/shared';
import { GiftOrderInputError } from './errors';
import { checkRef, type OrderStarter } from './starter';
import type { z } from 'zod';

export type RedemptionHandle = WorkflowHandle<(input: CpExtenderRedeemInput) => Promise<CpExtenderRedeemResult>>;
export type PoolHandle = WorkflowHandle<(input: CpExtenderPoolInput) => Promise<CpExtenderPoolResult>>;

/** A CP Extender operation was refused (no hold to confirm, no certificate yet, ...); the message says why. */
export class CpExtenderOperationError extends Error {
  override name = 'CpExtenderOperationError';
}

export class CpExtenderClient {
  constructor(private readonly giftflow: OrderStarter) {}

  /** Starts (or attaches to) the redemption under the caller's reference; it holds the amount, then waits for confirm or release. */
  async redeem(request: { redemptionRef: string; input: CpExtenderRedeemInput }): Promise<RedemptionHandle> {
    const { redeem } = CATALOGUE.cpextender.workflows;
    const input = validate(redeem.schema, request.redemptionRef, request.input);
    const workflowId = redeem.workflowId(request.redemptionRef);
    const start = {
      workflowType: redeem.workflowType,
      taskQueue: CATALOGUE.cpextender.taskQueue,
      provider: 'cpextender' as const,
    };
    const { decimals } = PROVIDER_SCALES.cpextender;
    const what =
      input.amount === undefined
        ? `${input.points} points`
        : formatMinorUnits(toMinorUnits(input.amount, decimals)!, decimals);
    // The Web UI's line for it, like an order's (client/orders.ts): no card number, only what is redeemed.
    const summary = `CP Extender redemption ${request.redemptionRef}: ${what}, ${input.autoConfirm ? 'confirmed at once' : 'held until confirmed or released'}`;
    return (await this.giftflow.startOnce({
      ...start,
      workflowId,
      ref: request.redemptionRef,
      input,
      callerInput: request.input,
      summary,
    })) as RedemptionHandle;
  }

  /**
   * Confirms the held amount (the sale went through) and returns the redemption's result.
   * Throws CpExtenderOperationError when the amount was not captured, e.g. the hold expired.
   */
  async confirmRedemption(workflowId: string): Promise<CpExtenderRedeemResult> {
    const result = await this.decide(workflowId, 'confirm');
    // Workers that predate the refusal of a late confirm answer it with the released hold's result.
    if (result.outcome !== 'confirmed') {
      throw new CpExtenderOperationError(
        `confirm refused by ${workflowId}: the hold ${result.authCode} was not captured (outcome '${result.outcome}'); nothing was redeemed`,
      );
    }
    return result;
  }

  /** Releases the held amount (the sale was abandoned) and returns the redemption's result. */
  releaseRedemption(workflowId: string): Promise<CpExtenderRedeemResult> {
    return this.decide(workflowId, 'release');
  }

  /** Starts (or attaches to) a pool reservation of `count` GiftCardIds. */
  async reservePool(request: { poolRef: string; input: CpExtenderPoolInput }): Promise<PoolHandle> {
    const { pool } = CATALOGUE.cpextender.workflows;
    const input = validate(pool.schema, request.poolRef, request.input);
    const start = {
      workflowType: pool.workflowType,
      taskQueue: CATALOGUE.cpextender.taskQueue,
      provider: 'cpextender' as const,
    };
    const summary = `CP Extender ID pool ${request.poolRef}: ${input.count} GiftCardId${input.count === 1 ? '' : 's'}`;
    return (await this.giftflow.startOnce({
      ...start,
      workflowId: pool.workflowId(request.poolRef),
      ref: request.poolRef,
      input,
      callerInput: request.input,
      summary,
    })) as PoolHandle;
  }

  /** The stored certificate of an issued card, checked against the SHA-256 in the order's result. */
  async getCertificate(
    workflowId: string,
    store: ArtifactStore = createArtifactStore({ artifactsDir: loadArtifactsDir() }),
  ): Promise<{ bytes: Buffer; contentType: string; sha256: string }> {
    const status = await this.giftflow.temporal.workflow.getHandle(workflowId).query(statusQuery);
    const certificate = (status.result as CpExtenderIssueResult | null)?.certificate;
    if (!certificate) {
      throw new CpExtenderOperationError(
        `order ${workflowId} has no certificate (state '${status.state}', step '${status.step}')`,
      );
    }
    const { bytes, contentType } = await store.get(certificate.ref).catch((error: NodeJS.ErrnoException) => {
      throw new CpExtenderOperationError(
        `certificate ${certificate.ref} of order ${workflowId} cannot be read: ${error.code ?? error.message}; check GIFTFLOW_ARTIFACTS_DIR`,
      );
    });
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== certificate.sha256) {
      throw new CpExtenderOperationError(
        `certificate ${certificate.ref} of order ${workflowId} does not match the SHA-256 recorded by the order`,
      );
    }
    return { bytes, contentType, sha256 };
  }

  private async decide(workflowId: string, action: 'confirm' | 'release'): Promise<CpExtenderRedeemResult> {
    const update = action === 'confirm' ? confirmRedemptionUpdate : cancelRedemptionUpdate;
    try {
      return await this.giftflow.temporal.workflow.getHandle(workflowId).executeUpdate(update);
    } catch (error) {
      if (!(error instanceof WorkflowUpdateFailedError)) throw error;
      throw new CpExtenderOperationError(
        `${action} refused by ${workflowId}: ${error.cause?.message ?? error.message}`,
      );
    }
  }
}

function validate<T>(schema: z.ZodType<T>, ref: string, input: unknown): T {
  checkRef('cpextender', 'ref', ref);
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw GiftOrderInputError.fromSchemaIssues('cpextender', parsed.error.issues);
  }
  return parsed.data;
}
