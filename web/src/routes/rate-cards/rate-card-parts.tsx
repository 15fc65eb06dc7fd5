import { Alert, Badge, Group, List, Stack, Table, Text } from "@mantine/core";
import { AppLink } from "../../components/billing-ui.js";
import { MessageRow } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import type { AffectedPeriods, Rate, RateCardDiff, RateCardVersionStatus } from "../../usage.js";

/** Pieces the rate card screens share: a version's state, a rate's cells, and the diff between two versions. */

export const VERSION_LABELS: Record<RateCardVersionStatus, string> = {
  draft: "Draft",
  pending_approval: "Waiting for approval",
  approved: "Approved",
  rejected: "Rejected",
};

const VERSION_COLORS: Record<RateCardVersionStatus, string> = {
  draft: "gray",
  pending_approval: "yellow",
  approved: "teal",
  rejected: "red",
};

export function VersionBadge(props: { status: RateCardVersionStatus; inForce?: boolean }) {
  return (
    <Group gap={4} wrap="nowrap">
      <Badge size="sm" variant="light" color={VERSION_COLORS[props.status]}>
        {VERSION_LABELS[props.status]}
      </Badge>
      {props.inForce === true ? (
        <Badge size="sm" variant="filled" color="teal">
          In force
        </Badge>
      ) : null}
    </Group>
  );
}

const periodText = (period: { period_start: string; period_end: string }) =>
  `${period.period_start.slice(0, 10)} to ${period.period_end.slice(0, 10)}`;

/**
 * What a backdated version reaches: invoiced periods a person must credit or
 * adjust (Accrue leaves finalized invoices as they are), and draft periods
 * re-rated when it is approved.
 */
export function AffectedPeriodsAlert(props: { affected: AffectedPeriods | null; approved: boolean }) {
  const affected = props.affected;
  if (affected === null) return null;
  const none = affected.finalized.length === 0 && affected.draft.length === 0;
  return (
    <Alert
      color={affected.finalized.length > 0 ? "orange" : "yellow"}
      variant="light"
      title={`Backdated to ${formatInstant(affected.effective_from)}`}
      data-testid="affected-periods"
    >
      <Stack gap={6}>
        {none ? <Text size="sm">No usage period already rated with this card is covered.</Text> : null}
        {affected.finalized.length > 0 ? (
          <div>
            <Text size="sm" fw={500}>
              Invoiced periods it covers: Accrue does not change them; each needs a credit note or an adjustment by a
              person.
            </Text>
            <List size="sm" data-testid="affected-finalized">
              {affected.finalized.map((period) => (
                <List.Item key={`${period.customer}:${period.period_start}`}>
                  <AppLink to={`/customers/${period.customer}`} size="sm">
                    {period.customer}
                  </AppLink>
                  , {periodText(period)}, invoice{" "}
                  <AppLink to={`/invoices/${period.invoice}`} size="sm">
                    {period.invoice_number ?? period.invoice}
                  </AppLink>
                </List.Item>
              ))}
            </List>
          </div>
        ) : null}
        {affected.draft.length > 0 ? (
          <div>
            <Text size="sm" fw={500}>
              {props.approved
                ? "Draft periods re-rated at the new rates after approval:"
                : "Draft periods re-rated at the new rates when it is approved:"}
            </Text>
            <List size="sm" data-testid="affected-drafts">
              {affected.draft.map((period) => (
                <List.Item key={`${period.customer}:${period.period_start}`}>
                  <AppLink to={`/customers/${period.customer}`} size="sm">
                    {period.customer}
                  </AppLink>
                  , {periodText(period)}, draft{" "}
                  <AppLink to={`/invoices/${period.invoice}`} size="sm">
                    {period.invoice}
                  </AppLink>
                </List.Item>
              ))}
            </List>
          </div>
        ) : null}
        <Text size="xs" c="dimmed">
          As of {formatInstant(affected.assessed_at)}
          {props.approved ? " (its approval)" : "; assessed again when it is approved"}.
        </Text>
      </Stack>
    </Alert>
  );
}

/** A rate's value with its unit: "2.75 per carton". */
export function RateValue(props: { rate: Rate | undefined }) {
  if (props.rate === undefined)
    return (
      <Text span size="sm" c="dimmed">
        —
      </Text>
    );
  return (
    <Text span size="sm">
      <span className="amount">{props.rate.value}</span>
      {props.rate.unit === null ? null : (
        <Text span size="xs" c="dimmed">
          {" "}
          / {props.rate.unit}
        </Text>
      )}
    </Text>
  );
}

const KIND_COLORS = { added: "teal", removed: "red", changed: "blue" } as const;

/** Added, removed and changed codes with old and new values, as an approver reads them. */
export function DiffTable(props: { diff: RateCardDiff }) {
  const diff = props.diff;
  const rows = [
    ...diff.added.map((entry) => ({
      kind: "added" as const,
      code: entry.code,
      from: undefined,
      to: entry.rate,
      fields: [],
    })),
    ...diff.changed.map((entry) => ({ kind: "changed" as const, ...entry })),
    ...diff.removed.map((entry) => ({
      kind: "removed" as const,
      code: entry.code,
      from: entry.rate,
      to: undefined,
      fields: [],
    })),
  ];
  return (
    <Stack gap="xs" data-testid="rate-card-diff">
      <Text size="sm">
        Version {diff.from.number} → version {diff.to.number}: {diff.added.length} added, {diff.changed.length} changed,{" "}
        {diff.removed.length} removed, {diff.unchanged} unchanged.
      </Text>
      <Table striped>
        <Table.Thead className="table-head">
          <Table.Tr>
            <Table.Th>Change</Table.Th>
            <Table.Th>Code</Table.Th>
            <Table.Th>Version {diff.from.number}</Table.Th>
            <Table.Th>Version {diff.to.number}</Table.Th>
            <Table.Th>What differs</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {rows.length === 0 ? <MessageRow columns={5}>The two versions hold the same rates.</MessageRow> : null}
          {rows.map((row) => (
            <Table.Tr key={`${row.kind}:${row.code}`} data-diff={row.kind} data-code={row.code}>
              <Table.Td>
                <Badge size="sm" variant="light" color={KIND_COLORS[row.kind]}>
                  {row.kind}
                </Badge>
              </Table.Td>
              <Table.Td className="mono">{row.code}</Table.Td>
              <Table.Td>
                <RateValue rate={row.from} />
                {row.from?.description == null ? null : (
                  <Text size="xs" c="dimmed">
                    {row.from.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <RateValue rate={row.to} />
                {row.to?.description == null ? null : (
                  <Text size="xs" c="dimmed">
                    {row.to.description}
                  </Text>
                )}
              </Table.Td>
              <Table.Td>
                <Text size="xs" c="dimmed">
                  {row.fields.join(", ")}
                </Text>
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Stack>
  );
}
