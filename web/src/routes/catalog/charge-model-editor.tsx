import { ActionIcon, Button, Group, Select, SimpleGrid, Stack, Table, Text, TextInput } from "@mantine/core";
import { CHARGE_MODEL_KINDS, type ChargeModel, type ChargeModelKind } from "../../catalog.js";
import { fieldError } from "../../components/ui.js";

/**
 * Form state for any charge model, as text the way it is typed; chargeModelBody
 * turns it into what the API takes. Whether tiers rise and the last one is
 * open is the API's call: its message comes back at the field it names.
 */
export interface TierDraft {
  up_to: string;
  unit_amount: string;
  flat_amount: string;
}

export interface ChargeModelDraft {
  kind: ChargeModelKind;
  amount: string;
  unit_amount: string;
  tiers: TierDraft[];
  package_amount: string;
  package_size: string;
  rounding: "up" | "down";
  percent: string;
  transaction_minimum_amount: string;
  transaction_maximum_amount: string;
  minimum_amount: string;
}

export const EMPTY_CHARGE_MODEL: ChargeModelDraft = {
  kind: "per_unit",
  amount: "",
  unit_amount: "",
  tiers: [
    { up_to: "10", unit_amount: "", flat_amount: "" },
    { up_to: "", unit_amount: "", flat_amount: "" },
  ],
  package_amount: "",
  package_size: "",
  rounding: "up",
  percent: "",
  transaction_minimum_amount: "",
  transaction_maximum_amount: "",
  minimum_amount: "",
};

const KIND_LABELS: Record<ChargeModelKind, string> = {
  flat: "Flat: one amount per period",
  per_unit: "Per unit: each unit the same",
  graduated: "Graduated tiers: each unit at its tier's price",
  volume: "Volume tiers: every unit at the reached tier's price",
  package: "Package: per block of units",
  percentage: "Percentage of each transaction",
};

const filled = (value: string) => value.trim() !== "";

export function chargeModelBody(draft: ChargeModelDraft): ChargeModel {
  const minimum = filled(draft.minimum_amount) ? { minimum_amount: draft.minimum_amount.trim() } : {};
  switch (draft.kind) {
    case "flat":
      return { kind: "flat", amount: draft.amount.trim(), ...minimum };
    case "per_unit":
      return { kind: "per_unit", unit_amount: draft.unit_amount.trim(), ...minimum };
    case "graduated":
    case "volume":
      return {
        kind: draft.kind,
        tiers: draft.tiers.map((tier) => ({
          up_to: filled(tier.up_to) ? tier.up_to.trim() : null,
          ...(filled(tier.unit_amount) ? { unit_amount: tier.unit_amount.trim() } : {}),
          ...(filled(tier.flat_amount) ? { flat_amount: tier.flat_amount.trim() } : {}),
        })),
        ...minimum,
      };
    case "package":
      return {
        kind: "package",
        package_amount: draft.package_amount.trim(),
        package_size: Number(draft.package_size),
        rounding: draft.rounding,
        ...minimum,
      };
    case "percentage":
      return {
        kind: "percentage",
        percent: draft.percent.trim(),
        ...(filled(draft.transaction_minimum_amount)
          ? { transaction_minimum_amount: draft.transaction_minimum_amount.trim() }
          : {}),
        ...(filled(draft.transaction_maximum_amount)
          ? { transaction_maximum_amount: draft.transaction_maximum_amount.trim() }
          : {}),
        ...minimum,
      };
  }
}

/** An existing model as form state, to start a new version from the current amounts. */
export function chargeModelDraft(model: ChargeModel): ChargeModelDraft {
  const base = { ...EMPTY_CHARGE_MODEL, kind: model.kind, minimum_amount: model.minimum_amount ?? "" };
  switch (model.kind) {
    case "flat":
      return { ...base, amount: model.amount };
    case "per_unit":
      return { ...base, unit_amount: model.unit_amount };
    case "graduated":
    case "volume":
      return {
        ...base,
        tiers: model.tiers.map((tier) => ({
          up_to: tier.up_to ?? "",
          unit_amount: tier.unit_amount ?? "",
          flat_amount: tier.flat_amount ?? "",
        })),
      };
    case "package":
      return {
        ...base,
        package_amount: model.package_amount,
        package_size: String(model.package_size),
        rounding: model.rounding ?? "up",
      };
    case "percentage":
      return {
        ...base,
        percent: model.percent,
        transaction_minimum_amount: model.transaction_minimum_amount ?? "",
        transaction_maximum_amount: model.transaction_maximum_amount ?? "",
      };
  }
}

export function ChargeModelEditor(props: {
  value: ChargeModelDraft;
  onChange: (next: ChargeModelDraft) => void;
  currency: string;
  error: unknown;
  /** Where the model sits in the request, for the API's `param`: "charge_model". */
  param: string;
}) {
  const { value, onChange, currency } = props;
  // Shape errors name the full path ("charge_model.tiers.1.up_to"); the model's own checks name the field alone.
  const error = (field: string) => fieldError(props.error, `${props.param}.${field}`) ?? fieldError(props.error, field);
  const input = (field: keyof ChargeModelDraft, label: string, description?: string) => (
    <TextInput
      label={label}
      description={description}
      inputMode="decimal"
      value={String(value[field])}
      onChange={(event) => onChange({ ...value, [field]: event.currentTarget.value })}
      error={error(field)}
    />
  );
  const setTier = (index: number, patch: Partial<TierDraft>) =>
    onChange({ ...value, tiers: value.tiers.map((tier, i) => (i === index ? { ...tier, ...patch } : tier)) });
  return (
    <Stack gap="sm" data-testid="charge-model-editor">
      <Select
        label="Charge model"
        data={CHARGE_MODEL_KINDS.map((kind) => ({ value: kind, label: KIND_LABELS[kind] }))}
        value={value.kind}
        allowDeselect={false}
        onChange={(kind) => kind !== null && onChange({ ...value, kind: kind as ChargeModelKind })}
        error={error("kind") ?? fieldError(props.error, props.param)}
      />
      {value.kind === "flat" ? input("amount", `Amount (${currency})`, "Billed once per period") : null}
      {value.kind === "per_unit" ? input("unit_amount", `Unit amount (${currency})`, "Up to 12 decimals") : null}
      {value.kind === "package" ? (
        <SimpleGrid cols={3} spacing="sm">
          {input("package_size", "Block size", "Units in one block")}
          {input("package_amount", `Block price (${currency})`)}
          <Select
            label="Partial block"
            data={[
              { value: "up", label: "Bill a whole block" },
              { value: "down", label: "Free" },
            ]}
            value={value.rounding}
            allowDeselect={false}
            onChange={(rounding) => rounding !== null && onChange({ ...value, rounding: rounding as "up" | "down" })}
          />
        </SimpleGrid>
      ) : null}
      {value.kind === "percentage" ? (
        <SimpleGrid cols={3} spacing="sm">
          {input("percent", "Rate (%)", "0 to 100")}
          {input("transaction_minimum_amount", `Minimum fee (${currency})`, "Per transaction, optional")}
          {input("transaction_maximum_amount", `Maximum fee (${currency})`, "Per transaction, optional")}
        </SimpleGrid>
      ) : null}
      {value.kind === "graduated" || value.kind === "volume" ? (
        <Stack gap={4}>
          <Text size="sm" fw={500}>
            Tiers
          </Text>
          <Text size="xs" c="dimmed">
            {value.kind === "graduated"
              ? "Each unit is priced by the tier it falls in."
              : "All units are priced by the tier the total quantity reaches."}{" "}
            Leave "Up to" blank on the last tier: it has no upper bound.
          </Text>
          <Table withTableBorder>
            <Table.Thead className="table-head">
              <Table.Tr>
                <Table.Th>From</Table.Th>
                <Table.Th>Up to (inclusive)</Table.Th>
                <Table.Th>Unit amount ({currency})</Table.Th>
                <Table.Th>Flat amount ({currency})</Table.Th>
                <Table.Th w={40} />
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {value.tiers.map((tier, index) => {
                const previous = value.tiers[index - 1]?.up_to ?? "";
                const param = `tiers.${index}`;
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a tier is its position in the list
                  <Table.Tr key={index} data-testid="tier-row">
                    <Table.Td className="mono" style={{ whiteSpace: "nowrap" }}>
                      {index === 0 ? "1" : previous === "" ? "…" : `> ${previous}`}
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        aria-label={`Tier ${index + 1} up to`}
                        placeholder="∞"
                        inputMode="decimal"
                        value={tier.up_to}
                        onChange={(event) => setTier(index, { up_to: event.currentTarget.value })}
                        error={error(`${param}.up_to`) ?? error(param)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        aria-label={`Tier ${index + 1} unit amount`}
                        inputMode="decimal"
                        value={tier.unit_amount}
                        onChange={(event) => setTier(index, { unit_amount: event.currentTarget.value })}
                        error={error(`${param}.unit_amount`)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <TextInput
                        aria-label={`Tier ${index + 1} flat amount`}
                        inputMode="decimal"
                        value={tier.flat_amount}
                        onChange={(event) => setTier(index, { flat_amount: event.currentTarget.value })}
                        error={error(`${param}.flat_amount`)}
                      />
                    </Table.Td>
                    <Table.Td>
                      <ActionIcon
                        variant="subtle"
                        color="red"
                        aria-label={`Remove tier ${index + 1}`}
                        disabled={value.tiers.length === 1}
                        onClick={() => onChange({ ...value, tiers: value.tiers.filter((_, i) => i !== index) })}
                      >
                        ✕
                      </ActionIcon>
                    </Table.Td>
                  </Table.Tr>
                );
              })}
            </Table.Tbody>
          </Table>
          {error("tiers") === undefined ? null : (
            <Text size="xs" c="red">
              {error("tiers")}
            </Text>
          )}
          <Group>
            <Button
              size="xs"
              variant="default"
              onClick={() =>
                onChange({ ...value, tiers: [...value.tiers, { up_to: "", unit_amount: "", flat_amount: "" }] })
              }
            >
              Add tier
            </Button>
          </Group>
        </Stack>
      ) : null}
      {input(
        "minimum_amount",
        `Minimum charge (${currency})`,
        "Optional: the least this line bills per period; lower usage is lifted to it",
      )}
    </Stack>
  );
}
