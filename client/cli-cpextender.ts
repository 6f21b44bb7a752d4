/**
 * The CP Extender commands of the `giftflow` CLI: `redeem`, `confirm`, `release`,
 * `reserve-pool` and `certificate`. cli.ts parses the arguments and dispatches here; each
 * command checks its arguments and returns what runs once connected, whose result cli.ts
 * prints as JSON.
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GiftflowClient } from '.';
import { inputFingerprint } from '.';
import { requireWorkflowId, UsageError } from './cli-operations';

export const CPEXTENDER_HELP = `  giftflow redeem cpextender --card <giftCardId> (--amount <n> | --points <n>) --ref <redemptionRef>
                  [--sale-id <id>] [--hold-timeout <seconds>] [--auto-confirm] [--wait]
      Hold an amount on a CP Extender card (two-phase redemption). Prints the workflow ID; the
      hold waits for 'confirm' or 'release' (or is released after --hold-timeout, default 900).
      With --auto-confirm it is confirmed at once; --wait prints the result when it ends.
  giftflow confirm <workflowId>    Confirm a held redemption (the sale went through).
  giftflow release <workflowId>    Release a held redemption (the sale was abandoned).
  giftflow reserve-pool cpextender --count <n> --agency <agency> [--request-name <name>] [--ref <poolRef>]
      Reserve GiftCardIds for a printed batch or a campaign; prints them when all are reserved.
  giftflow certificate <workflowId> --out <card.jpg>
      Write the stored certificate of an issued CP Extender card to a file.
`;

/** The parseArgs options these commands read. */
export const CPEXTENDER_OPTIONS = {
  card: { type: 'string' },
  amount: { type: 'string' },
  points: { type: 'string' },
  'sale-id': { type: 'string' },
  'hold-timeout': { type: 'string' },
  'auto-confirm': { type: 'boolean' },
  count: { type: 'string' },
  agency: { type: 'string' },
  'request-name': { type: 'string' },
  out: { type: 'string', short: 'o' },
} as const;

type Options = {
  [K in keyof typeof CPEXTENDER_OPTIONS]?: (typeof CPEXTENDER_OPTIONS)[K]['type'] extends 'boolean' ? boolean : string;
} & {
  ref?: string;
  wait?: boolean;
};

/**
 * Checks its arguments, then returns what runs once connected: a mistake is reported as
 * itself even while Temporal is down (cli.ts connects only after this returns).
 */
type Command = (target: string | undefined, options: Options) => (giftflow: GiftflowClient) => Promise<unknown>;

export const CPEXTENDER_COMMANDS: Record<string, Command> = {
  redeem(provider, options) {
    requireCpExtender('redeem', provider);
    if (!options.card) throw new UsageError('missing --card <giftCardId>');
    if ((options.amount === undefined) === (options.points === undefined))
      throw new UsageError('give exactly one of --amount <n> or --points <n>');
    if (!options.ref)
      throw new UsageError(
        'missing --ref <redemptionRef>: the sale or till reference that makes this redemption unique',
      );
    const redemptionRef = options.ref;
    const input = {
      giftCardId: options.card,
      ...(options.amount !== undefined && { amount: number('--amount', options.amount) }),
      ...(options.points !== undefined && { points: number('--points', options.points) }),
      ...(options['sale-id'] && { saleId: options['sale-id'] }),
      ...(options['hold-timeout'] && { holdTimeoutSeconds: number('--hold-timeout', options['hold-timeout']) }),
      autoConfirm: options['auto-confirm'] ?? false,
    };
    return async (giftflow) => {
      const handle = await giftflow.cpextender.redeem({ redemptionRef, input });
      const started = { workflowId: handle.workflowId, redemptionRef };
      return options.wait || options['auto-confirm'] ? { ...started, result: await handle.result() } : started;
    };
  },

  confirm(target) {
    const workflowId = requireWorkflowId(target);
    return async (giftflow) => ({ workflowId, result: await giftflow.cpextender.confirmRedemption(workflowId) });
  },

  release(target) {
    const workflowId = requireWorkflowId(target);
    return async (giftflow) => ({ workflowId, result: await giftflow.cpextender.releaseRedemption(workflowId) });
  },

  'reserve-pool'(provider, options) {
    requireCpExtender('reserve-pool', provider);
    if (!options.count || !options.agency) throw new UsageError('missing --count <n> or --agency <agency>');
    const input = {
      count: number('--count', options.count),
      agency: options.agency,
      ...(options['request-name'] && { requestName: options['request-name'] }),
    };
    const poolRef = options.ref ?? `cli-${inputFingerprint(input).slice(0, 16)}`;
    return async (giftflow) => {
      const handle = await giftflow.cpextender.reservePool({ poolRef, input });
      return { workflowId: handle.workflowId, poolRef, result: await handle.result() };
    };
  },

  certificate(target, options) {
    const workflowId = requireWorkflowId(target);
    if (!options.out) throw new UsageError('missing --out <file.jpg>');
    const out = path.resolve(options.out);
    return async (giftflow) => {
      const certificate = await giftflow.cpextender.getCertificate(workflowId);
      await writeFile(out, certificate.bytes);
      return {
        workflowId,
        out,
        contentType: certificate.contentType,
        bytes: certificate.bytes.length,
        sha256: certificate.sha256,
      };
    };
  },
};

function requireCpExtender(command: string, provider: string | undefined): void {
  if (provider !== 'cpextender')
    throw new UsageError(`${command} is available for cpextender only: giftflow ${command} cpextender ...`);
}

/** A plain decimal such as 40 or 12.50: Number() would also take '0x10', '1e3' or ' 7 '. */
function number(flag: string, text: string): number {
  if (!/^-?\d+(\.\d+)?$/.test(text)) throw new UsageError(`${flag} must be a number, got '${text}'`);
  return Number(text);
}
