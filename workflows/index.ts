/** Every giftflow workflow, the entry point of the worker's workflow bundle. */
export { flexyboxGiftCertificateOrder } from './flexybox';
