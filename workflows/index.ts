/** Every giftflow workflow, the entry point of the worker's workflow bundle. */
export { cpExtenderIssueGiftCard, cpExtenderReservePool } from './cpextender';
export { cpExtenderRedeem } from './cpextender-redeem';
export { flexyboxGiftCertificateOrder } from './flexybox';
export { paywayGiftOrder } from './payway';
export { smartGiftVoucherOrder } from './smartgift';
