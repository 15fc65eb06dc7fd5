/** The demo company: what the CLI and the server use to fill an empty database. */
export { type DemoOptions, type DemoSummary, databaseIsEmpty, seedDemo } from "./seed.js";
export { WMS_CUSTOMER_CSV_COLUMNS, type WmsCustomer, wmsCustomers, wmsCustomersCsv } from "./wms-customers.js";
export { type WmsEvent, type WmsOptions, wmsEventBatches, wmsEvents } from "./wms-generator.js";
export { type WmsWriteOptions, type WmsWriteSummary, writeWmsLog } from "./wms-writer.js";
