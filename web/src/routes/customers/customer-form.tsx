import { Group, NumberInput, Select, SimpleGrid, TextInput } from "@mantine/core";
import { ApiError } from "../../api.js";
import { fieldError } from "../../components/ui.js";
import type { Address, PaymentTerms, TaxId } from "../../customers.js";
import { TAX_ID_TYPES } from "../../customers.js";

/** Form state for an address; blanks stay "" here and leave as null (or are left out). */
export interface AddressDraft {
  line1: string;
  line2: string;
  city: string;
  region: string;
  postal_code: string;
  country: string;
}

/** An error about the address as a whole (not one of its fields) is shown under the country. */
function wholeAddressError(error: unknown, param: string): string | undefined {
  return error instanceof ApiError && error.param === param ? fieldError(error, param) : undefined;
}

const TAX_ID_LABELS: Record<TaxId["type"], string> = {
  eu_vat: "EU VAT number",
  gb_vat: "UK VAT number",
  us_ein: "US EIN",
  ca_bn: "Canadian business number",
  au_abn: "Australian ABN",
  in_gst: "Indian GSTIN",
  other: "Other",
};

export const EMPTY_ADDRESS: AddressDraft = { line1: "", line2: "", city: "", region: "", postal_code: "", country: "" };

export function addressDraft(address: Address | null): AddressDraft {
  if (address === null) return EMPTY_ADDRESS;
  return {
    line1: address.line1 ?? "",
    line2: address.line2 ?? "",
    city: address.city ?? "",
    region: address.region ?? "",
    postal_code: address.postal_code ?? "",
    country: address.country,
  };
}

/** An address as the API takes it; null when every field is blank. */
export function addressBody(draft: AddressDraft): Record<string, string | null> | null {
  const trimmed = Object.fromEntries(Object.entries(draft).map(([key, value]) => [key, value.trim()]));
  if (Object.values(trimmed).every((value) => value === "")) return null;
  const blankToNull = (value: string | undefined) => (value === undefined || value === "" ? null : value);
  return {
    line1: blankToNull(trimmed.line1),
    line2: blankToNull(trimmed.line2),
    city: blankToNull(trimmed.city),
    region: blankToNull(trimmed.region),
    postal_code: blankToNull(trimmed.postal_code),
    country: (trimmed.country ?? "").toUpperCase(),
  };
}

/** The fields of one address, with the API's error shown under the field it names (`param.city`…). */
export function AddressFields(props: {
  value: AddressDraft;
  onChange: (next: AddressDraft) => void;
  error: unknown;
  param: string;
  legend?: string;
}) {
  const set = (key: keyof AddressDraft) => (event: { currentTarget: { value: string } }) =>
    props.onChange({ ...props.value, [key]: event.currentTarget.value });
  const error = (key: string) => fieldError(props.error, `${props.param}.${key}`);
  return (
    <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm" verticalSpacing="xs">
      <TextInput label="Address line 1" value={props.value.line1} onChange={set("line1")} error={error("line1")} />
      <TextInput label="Address line 2" value={props.value.line2} onChange={set("line2")} error={error("line2")} />
      <TextInput label="City" value={props.value.city} onChange={set("city")} error={error("city")} />
      <TextInput
        label="Region"
        description="State or province code where the country has them (CA, QC)"
        value={props.value.region}
        onChange={set("region")}
        error={error("region")}
      />
      <TextInput
        label="Postal code"
        value={props.value.postal_code}
        onChange={set("postal_code")}
        error={error("postal_code")}
      />
      <TextInput
        label="Country"
        description="Two letters, ISO 3166 (DE, US, GB)"
        maxLength={2}
        value={props.value.country}
        onChange={set("country")}
        error={error("country") ?? wholeAddressError(props.error, props.param)}
      />
    </SimpleGrid>
  );
}

export interface TermsDraft {
  type: PaymentTerms["type"];
  days: number;
  day: number;
}

export function termsDraft(terms: PaymentTerms): TermsDraft {
  return {
    type: terms.type,
    days: terms.type === "net" ? terms.days : 30,
    day: terms.type === "day_of_month" ? terms.day : 1,
  };
}

export function termsBody(draft: TermsDraft): PaymentTerms {
  if (draft.type === "net") return { type: "net", days: draft.days };
  if (draft.type === "day_of_month") return { type: "day_of_month", day: draft.day };
  return { type: "due_on_receipt" };
}

export function PaymentTermsFields(props: { value: TermsDraft; onChange: (next: TermsDraft) => void; error: unknown }) {
  return (
    <Group gap="sm" align="flex-start" grow>
      <Select
        label="Payment terms"
        data={[
          { value: "net", label: "Net days" },
          { value: "due_on_receipt", label: "Due on receipt" },
          { value: "day_of_month", label: "Day of the month" },
        ]}
        value={props.value.type}
        allowDeselect={false}
        onChange={(type) => type !== null && props.onChange({ ...props.value, type: type as TermsDraft["type"] })}
        error={fieldError(props.error, "payment_terms.type")}
      />
      {props.value.type === "net" ? (
        <NumberInput
          label="Days"
          min={1}
          max={365}
          value={props.value.days}
          onChange={(days) => props.onChange({ ...props.value, days: Number(days) || 0 })}
          error={fieldError(props.error, "payment_terms.days") ?? fieldError(props.error, "payment_terms")}
        />
      ) : null}
      {props.value.type === "day_of_month" ? (
        <NumberInput
          label="Day"
          min={1}
          max={31}
          value={props.value.day}
          onChange={(day) => props.onChange({ ...props.value, day: Number(day) || 0 })}
          error={fieldError(props.error, "payment_terms.day") ?? fieldError(props.error, "payment_terms")}
        />
      ) : null}
    </Group>
  );
}

export function TaxIdFields(props: {
  value: { type: TaxId["type"]; value: string };
  onChange: (next: { type: TaxId["type"]; value: string }) => void;
  error: unknown;
  param: string;
}) {
  return (
    <Group gap="sm" align="flex-start" grow>
      <Select
        label="Tax id type"
        data={TAX_ID_TYPES.map((type) => ({ value: type, label: TAX_ID_LABELS[type] }))}
        value={props.value.type}
        allowDeselect={false}
        onChange={(type) => type !== null && props.onChange({ ...props.value, type: type as TaxId["type"] })}
        error={fieldError(props.error, `${props.param}.type`)}
      />
      <TextInput
        label="Tax id"
        placeholder="DE123456789"
        value={props.value.value}
        onChange={(event) => props.onChange({ ...props.value, value: event.currentTarget.value })}
        error={fieldError(props.error, `${props.param}.value`) ?? fieldError(props.error, props.param)}
      />
    </Group>
  );
}
