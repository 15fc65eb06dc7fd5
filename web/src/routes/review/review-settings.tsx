import {
  ActionIcon,
  Button,
  Group,
  Paper,
  Select,
  SimpleGrid,
  Stack,
  Switch,
  Table,
  Text,
  TextInput,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "../../api.js";
import type { FindingSeverity } from "../../billing.js";
import { ErrorAlert, fieldError, PageHeader } from "../../components/ui.js";
import { formatInstant, humanize } from "../../format.js";

/**
 * The company's draft review settings: which checks run and how much they
 * weigh, whether blocking findings stop finalizing, the totals above which a
 * second person approves, and how long a clean draft waits before it is
 * finalized on its own.
 */

interface RuleSetting {
  enabled: boolean;
  severity: FindingSeverity;
}

interface ReviewSettings {
  rules: Record<string, RuleSetting>;
  deviation_percent_max: string;
  enforce_checklist: boolean;
  approval_amount_by_currency: Record<string, string>;
  auto_finalize_grace_hours: number | null;
  updated_at: string | null;
}

const RULE_HELP: Record<string, string> = {
  purchase_order: "The customer requires a PO and the draft has none, or it is not valid on the invoice date.",
  billing_address: "The billing address lacks what the country needs (region, postal code).",
  tax_id: "A business customer without a tax id of the kind its country uses.",
  currency: "The draft's currency is not the customer's.",
  total_deviation: "The total differs from the customer's previous invoice by more than the threshold.",
  total_not_positive: "The total is zero or negative.",
  possible_duplicate: "Another invoice of the customer has the same lines and period.",
  line_without_period: "A line has no service period.",
  metered_without_usage: "A metered price had no usage in the period.",
};

let rowsMade = 0;
/** A threshold row's React key: stable while its currency is typed. */
function rowKey(): number {
  rowsMade += 1;
  return rowsMade;
}

export function ReviewSettingsPage() {
  const settings = useQuery({
    queryKey: ["review_settings"],
    queryFn: () => api.get<ReviewSettings>("/v1/review_settings"),
  });
  return (
    <>
      <PageHeader
        title="Review settings"
        description="How drafts are checked before they are finalized. Customers can have their own settings on top of these."
      />
      <ErrorAlert error={settings.error} title="The review settings could not be loaded" />
      {settings.data === undefined ? null : (
        <SettingsForm key={settings.data.updated_at ?? "defaults"} settings={settings.data} />
      )}
    </>
  );
}

function SettingsForm(props: { settings: ReviewSettings }) {
  const queryClient = useQueryClient();
  const initial = props.settings;
  const [rules, setRules] = useState(initial.rules);
  const [enforce, setEnforce] = useState(initial.enforce_checklist);
  const [deviation, setDeviation] = useState(initial.deviation_percent_max);
  const [grace, setGrace] = useState(
    initial.auto_finalize_grace_hours === null ? "" : String(initial.auto_finalize_grace_hours),
  );
  const [thresholds, setThresholds] = useState(
    Object.entries(initial.approval_amount_by_currency).map(([currency, amount]) => ({
      key: rowKey(),
      currency,
      amount,
    })),
  );
  const save = useMutation({
    mutationFn: () => {
      const kept = Object.fromEntries(
        thresholds
          .filter((row) => row.currency.trim() !== "")
          .map((row) => [row.currency.trim().toUpperCase(), row.amount.trim()]),
      );
      const removed = Object.fromEntries(
        Object.keys(initial.approval_amount_by_currency)
          .filter((currency) => !(currency in kept))
          .map((currency) => [currency, null]),
      );
      // Sent as typed when it is not a whole number, so the API names the field.
      const typed = grace.trim();
      const hours = typed === "" ? null : /^\d+$/.test(typed) ? Number(typed) : typed;
      return api.post<ReviewSettings>("/v1/review_settings", {
        rules,
        enforce_checklist: enforce,
        deviation_percent_max: deviation.trim(),
        approval_amount_by_currency: { ...removed, ...kept },
        auto_finalize_grace_hours: hours,
      });
    },
    onSuccess: async (saved) => {
      queryClient.setQueryData(["review_settings"], saved);
      await queryClient.invalidateQueries({ queryKey: ["invoice_review"] });
      await queryClient.invalidateQueries({ queryKey: ["review_queue"] });
      notifications.show({
        color: "teal",
        title: "Review settings saved",
        message: "Drafts are checked with them now.",
      });
    },
  });
  const setRule = (rule: string, change: Partial<RuleSetting>) =>
    setRules((all) => ({ ...all, [rule]: { ...(all[rule] as RuleSetting), ...change } }));

  return (
    <Stack gap="md">
      <ErrorAlert error={save.error} title="Not saved" />
      <Paper withBorder radius="sm" p="md">
        <Switch
          label="Blocking findings stop finalizing"
          description="Off: findings are shown but any draft can be finalized. On: a blocking finding must be fixed or overridden with a reason first."
          checked={enforce}
          onChange={(event) => setEnforce(event.currentTarget.checked)}
        />
      </Paper>
      <Paper withBorder radius="sm">
        <Table>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Check</Table.Th>
              <Table.Th>On</Table.Th>
              <Table.Th>Severity</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {Object.entries(rules).map(([rule, setting]) => (
              <Table.Tr key={rule}>
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {humanize(rule)}
                  </Text>
                  <Text size="xs" c="dimmed">
                    {RULE_HELP[rule] ?? ""}
                  </Text>
                </Table.Td>
                <Table.Td>
                  <Switch
                    aria-label={`${humanize(rule)} on`}
                    checked={setting.enabled}
                    onChange={(event) => setRule(rule, { enabled: event.currentTarget.checked })}
                  />
                </Table.Td>
                <Table.Td w={160}>
                  <Select
                    aria-label={`${humanize(rule)} severity`}
                    size="xs"
                    disabled={!setting.enabled}
                    allowDeselect={false}
                    data={["blocking", "warning", "info"].map((value) => ({ value, label: humanize(value) }))}
                    value={setting.severity}
                    onChange={(value) => value !== null && setRule(rule, { severity: value as FindingSeverity })}
                  />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <SimpleGrid cols={{ base: 1, md: 2 }}>
        <Paper withBorder radius="sm" p="md">
          <Stack gap="sm">
            <TextInput
              label="Total deviation threshold (%)"
              description="A draft whose total differs from the previous invoice by more than this is flagged."
              value={deviation}
              onChange={(event) => setDeviation(event.currentTarget.value)}
              error={fieldError(save.error, "deviation_percent_max")}
            />
            <TextInput
              label="Finalize clean drafts on their own after (hours)"
              description="Empty: a person always finalizes. A draft with blocking findings never finalizes on its own."
              placeholder="Never"
              value={grace}
              onChange={(event) => setGrace(event.currentTarget.value)}
              error={fieldError(save.error, "auto_finalize_grace_hours")}
            />
          </Stack>
        </Paper>
        <Paper withBorder radius="sm" p="md">
          <Title order={5}>Approval above</Title>
          <Text size="xs" c="dimmed" mb="xs">
            Finalizing a draft whose total is above the amount needs a second person's approval.
          </Text>
          <Stack gap="xs">
            {thresholds.map((row, index) => (
              <Group key={row.key} gap="xs" wrap="nowrap">
                <TextInput
                  aria-label="Currency"
                  placeholder="USD"
                  w={90}
                  value={row.currency}
                  onChange={(event) => {
                    const currency = event.currentTarget.value;
                    setThresholds((all) => all.map((item, i) => (i === index ? { ...item, currency } : item)));
                  }}
                />
                <TextInput
                  aria-label="Amount"
                  placeholder="10000.00"
                  style={{ flex: 1 }}
                  value={row.amount}
                  onChange={(event) => {
                    const amount = event.currentTarget.value;
                    setThresholds((all) => all.map((item, i) => (i === index ? { ...item, amount } : item)));
                  }}
                  error={fieldError(save.error, `approval_amount_by_currency.${row.currency.trim().toUpperCase()}`)}
                />
                <ActionIcon
                  variant="subtle"
                  color="red"
                  aria-label="Remove"
                  onClick={() => setThresholds((all) => all.filter((_, i) => i !== index))}
                >
                  ×
                </ActionIcon>
              </Group>
            ))}
            <Button
              size="xs"
              variant="light"
              onClick={() => setThresholds((all) => [...all, { key: rowKey(), currency: "", amount: "" }])}
            >
              Add a currency
            </Button>
          </Stack>
        </Paper>
      </SimpleGrid>
      <Group justify="space-between">
        <Text size="xs" c="dimmed">
          {initial.updated_at === null ? "Defaults in effect." : `Last changed ${formatInstant(initial.updated_at)}.`}
        </Text>
        <Button loading={save.isPending} onClick={() => save.mutate()}>
          Save settings
        </Button>
      </Group>
    </Stack>
  );
}
