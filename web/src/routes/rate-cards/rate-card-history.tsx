import { Anchor, Button, Checkbox, Group, Select, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { AppLink } from "../../components/billing-ui.js";
import { ErrorAlert, MessageRow } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import { type RateCard, type RateCardDiff, type RateCardVersion, rateCardPath } from "../../usage.js";
import { AffectedPeriodsAlert, DiffTable, VersionBadge } from "./rate-card-parts.js";

/** Every version of a card, and the diff between any two of them. */

const route = getRouteApi("/signed-in/rate-cards/$id");

export function useVersions(card: string) {
  return useQuery({
    queryKey: ["rate_card_versions", card],
    queryFn: () => api.get<List<RateCardVersion>>(`${rateCardPath(card)}/versions`),
  });
}

export function HistoryPanel(props: { card: RateCard }) {
  const navigate = route.useNavigate();
  const versions = useVersions(props.card.id);
  const [picked, setPicked] = useState<number[]>([]);
  // Newest first: the latest change is what people come to look at.
  const rows = [...(versions.data?.data ?? [])].reverse();
  const compare = (from: number, to: number) =>
    void navigate({ search: { tab: "diff", from: String(Math.min(from, to)), to: String(Math.max(from, to)) } });
  const toggle = (number: number) =>
    setPicked(picked.includes(number) ? picked.filter((n) => n !== number) : [...picked.slice(-1), number]);
  // The newest approved version, when backdated: its invoiced periods are still a person's to correct.
  const backdated = rows.find((version) => version.status === "approved");
  return (
    <Stack gap="sm">
      <Group justify="space-between">
        <Text size="sm" c="dimmed">
          Every version, newest first. Tick two to compare them.
        </Text>
        <Button size="xs" disabled={picked.length !== 2} onClick={() => compare(picked[0] ?? 0, picked[1] ?? 0)}>
          Compare selected
        </Button>
      </Group>
      <ErrorAlert error={versions.error} title="The versions could not be loaded" />
      {backdated?.affected_periods == null ? null : (
        <AffectedPeriodsAlert affected={backdated.affected_periods} approved={true} />
      )}
      <Table striped data-testid="rate-card-versions">
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th />
            <Table.Th>Version</Table.Th>
            <Table.Th>State</Table.Th>
            <Table.Th>In force from</Table.Th>
            <Table.Th ta="right">Rates</Table.Th>
            <Table.Th>Note</Table.Th>
            <Table.Th>Approval</Table.Th>
            <Table.Th />
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {versions.isPending ? <MessageRow columns={8}>Loading…</MessageRow> : null}
          {rows.map((version) => (
            <Table.Tr key={version.id} data-version={version.number}>
              <Table.Td>
                <Checkbox
                  aria-label={`Compare version ${version.number}`}
                  checked={picked.includes(version.number)}
                  onChange={() => toggle(version.number)}
                />
              </Table.Td>
              <Table.Td>
                <Text size="sm" fw={500}>
                  {version.number}
                </Text>
              </Table.Td>
              <Table.Td>
                <VersionBadge status={version.status} inForce={props.card.version_in_force?.id === version.id} />
              </Table.Td>
              <Table.Td>
                <Text size="sm">
                  {version.effective_from === null ? "When approved" : formatInstant(version.effective_from)}
                </Text>
                {version.affected_periods === null ? null : (
                  <Text size="xs" c="dimmed" data-testid="backdated">
                    Backdated: {version.affected_periods.finalized.length} invoiced,{" "}
                    {version.affected_periods.draft.length} draft period(s)
                  </Text>
                )}
              </Table.Td>
              <Table.Td ta="right">{Object.keys(version.rates).length}</Table.Td>
              <Table.Td maw={280}>
                <Text size="sm" lineClamp={2}>
                  {version.note ?? ""}
                </Text>
                <Text size="xs" c="dimmed">
                  by {version.created_by}
                  {version.edited_by.length > 1 ? ` and ${version.edited_by.length - 1} more` : ""}
                </Text>
              </Table.Td>
              <Table.Td>
                {version.approved_by === null ? (
                  version.approval === null ? (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  ) : (
                    <AppLink
                      to={version.status === "pending_approval" ? "/approvals" : "/approvals?status=all"}
                      size="xs"
                    >
                      {version.approval}
                    </AppLink>
                  )
                ) : (
                  <Text size="xs">
                    {version.approved_by} · {formatInstant(version.approved_at)}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                {version.number > 1 ? (
                  <Anchor size="xs" component="button" onClick={() => compare(version.number - 1, version.number)}>
                    Changes from v{version.number - 1}
                  </Anchor>
                ) : null}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}

export function DiffPanel(props: { card: RateCard; from: string | undefined; to: string | undefined }) {
  const navigate = route.useNavigate();
  const versions = useVersions(props.card.id);
  const numbers = (versions.data?.data ?? []).map((version) => version.number);
  const latest = numbers.at(-1);
  const to = props.to ?? (latest === undefined ? undefined : String(latest));
  const from = props.from ?? (to === undefined || Number(to) <= 1 ? undefined : String(Number(to) - 1));
  const ready = from !== undefined && to !== undefined;
  const diff = useQuery({
    queryKey: ["rate_card_diff", props.card.id, from, to],
    queryFn: () => api.get<RateCardDiff>(`${rateCardPath(props.card.id)}/diff`, { from, to }),
    enabled: ready,
  });
  const options = (versions.data?.data ?? []).map((version) => ({
    value: String(version.number),
    label: `Version ${version.number} (${version.status.replace("_", " ")})`,
  }));
  const choose = (side: "from" | "to") => (value: string | null) =>
    value !== null && void navigate({ search: { tab: "diff", from, to, [side]: value } });
  if (versions.data !== undefined && numbers.length < 2)
    return (
      <Text size="sm" c="dimmed">
        This card has one version: there is nothing to compare yet.
      </Text>
    );
  return (
    <Stack gap="sm">
      <Group gap="sm" align="flex-end">
        <Select
          label="From"
          w={260}
          allowDeselect={false}
          data={options}
          value={from ?? null}
          onChange={choose("from")}
        />
        <Select label="To" w={260} allowDeselect={false} data={options} value={to ?? null} onChange={choose("to")} />
      </Group>
      <ErrorAlert error={versions.error ?? diff.error} title="The diff could not be loaded" />
      {diff.data === undefined ? null : <DiffTable diff={diff.data} />}
    </Stack>
  );
}
