import { Badge, Button, Paper, SegmentedControl, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { Pager } from "../../components/pager.js";
import { ErrorAlert, MessageRow, PageHeader } from "../../components/ui.js";
import { formatInstant } from "../../format.js";
import type { RateCard } from "../../usage.js";
import { NewRateCardModal } from "./new-rate-card.js";
import { VERSION_LABELS } from "./rate-card-parts.js";

/** Rate cards: the default card per currency, and the customer cards that override some of its rates. */

const route = getRouteApi("/signed-in/rate-cards");
const PAGE_SIZE = 25;
const COLUMNS = 6;

export function RateCardsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const kind = search.kind ?? "all";
  const [creating, setCreating] = useState(false);
  const cursor = { starting_after: search.starting_after, ending_before: search.ending_before };
  const cards = useQuery({
    queryKey: ["rate_cards", kind, cursor],
    queryFn: () =>
      api.get<List<RateCard>>("/v1/rate_cards", {
        ...cursor,
        kind: kind === "all" ? undefined : kind,
        limit: PAGE_SIZE,
      }),
  });
  const rows = cards.data?.data ?? [];
  return (
    <>
      <PageHeader
        title="Rate cards"
        description="Named rates that charge scripts read: a default card per currency, and customer cards holding only what each customer negotiated. Every change is a new version, approved by a second person."
        actions={<Button onClick={() => setCreating(true)}>New rate card</Button>}
      />
      <SegmentedControl
        mb="md"
        size="sm"
        value={kind}
        onChange={(value) => void navigate({ search: value === "all" ? {} : { kind: value } })}
        data={[
          { value: "all", label: "All" },
          { value: "default", label: "Default cards" },
          { value: "customer", label: "Customer cards" },
        ]}
      />
      <ErrorAlert error={cards.error} title="The rate cards could not be loaded" />
      <Paper withBorder radius="sm">
        <Table striped highlightOnHover>
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Card</Table.Th>
              <Table.Th>Currency</Table.Th>
              <Table.Th>Customer</Table.Th>
              <Table.Th>In force</Table.Th>
              <Table.Th>Being changed</Table.Th>
              <Table.Th>Created</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {cards.isPending ? <MessageRow columns={COLUMNS}>Loading…</MessageRow> : null}
            {cards.data !== undefined && rows.length === 0 ? (
              <MessageRow columns={COLUMNS}>No rate cards yet.</MessageRow>
            ) : null}
            {rows.map((card) => (
              <Table.Tr
                key={card.id}
                className="clickable-row"
                onClick={(event) => {
                  if ((event.target as HTMLElement).closest("a") !== null) return;
                  void navigate({ to: "/rate-cards/$id", params: { id: card.id }, search: {} });
                }}
              >
                <Table.Td>
                  <Text size="sm" fw={500}>
                    {card.name}
                  </Text>
                  <Badge size="xs" variant="light" color={card.kind === "default" ? "indigo" : "grape"}>
                    {card.kind === "default" ? "Default" : "Customer"}
                  </Badge>
                </Table.Td>
                <Table.Td className="mono">{card.currency}</Table.Td>
                <Table.Td>
                  {card.customer === null ? <Text c="dimmed">—</Text> : <CustomerLink id={card.customer} />}
                </Table.Td>
                <Table.Td>
                  {card.version_in_force === null ? (
                    <Text size="sm" c="dimmed">
                      None yet
                    </Text>
                  ) : (
                    <Text size="sm">
                      Version {card.version_in_force.number} · {Object.keys(card.version_in_force.rates).length} rates
                      <Text span size="xs" c="dimmed">
                        {" "}
                        since {formatInstant(card.version_in_force.effective_from)}
                      </Text>
                    </Text>
                  )}
                </Table.Td>
                <Table.Td>
                  {card.open_version === null ? (
                    <Text size="sm" c="dimmed">
                      —
                    </Text>
                  ) : (
                    <BillingStatusBadge
                      status={card.open_version.status}
                      label={`Version ${card.open_version.number}: ${VERSION_LABELS[card.open_version.status]}`}
                    />
                  )}
                </Table.Td>
                <Table.Td>
                  <Text size="xs" c="dimmed">
                    {formatInstant(card.created_at)}
                  </Text>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <Pager
        cursor={cursor}
        rows={rows}
        hasMore={cards.data?.has_more ?? false}
        noun={["rate card", "rate cards"]}
        onPage={(next) => void navigate({ search: { kind: search.kind, ...next } })}
      />
      {creating ? <NewRateCardModal onClose={() => setCreating(false)} /> : null}
    </>
  );
}
