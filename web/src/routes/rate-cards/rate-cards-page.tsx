import { Badge, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { getRouteApi } from "@tanstack/react-router";
import { api, type List } from "../../api.js";
import { BillingStatusBadge, CustomerLink } from "../../components/billing-ui.js";
import { FilteredTable, SegmentFilter } from "../../components/filtered-table.js";
import { formatInstant } from "../../format.js";
import type { RateCard } from "../../usage.js";
import { NewRateCardModal } from "./new-rate-card.js";
import { VERSION_LABELS } from "./rate-card-parts.js";

/** Rate cards: the default card per currency, and the customer cards that override some of its rates. */

const route = getRouteApi("/signed-in/rate-cards");
const PAGE_SIZE = 25;
const KINDS = [
  { value: "all", label: "All" },
  { value: "default", label: "Default cards" },
  { value: "customer", label: "Customer cards" },
];

export function RateCardsPage() {
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const kind = search.kind ?? "all";
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
  return (
    <FilteredTable
      title="Rate cards"
      description="Named rates that charge scripts read: a default card per currency, and customer cards holding only what each customer negotiated. Every change is a new version, approved by a second person."
      create={{ label: "New rate card", dialog: (close) => <NewRateCardModal onClose={close} /> }}
      filters={
        <SegmentFilter
          value={kind}
          options={KINDS}
          onChange={(value) => void navigate({ search: value === "all" ? {} : { kind: value } })}
        />
      }
      query={cards}
      errorTitle="The rate cards could not be loaded"
      columns={["Card", "Currency", "Customer", "In force", "Being changed", "Created"]}
      empty="No rate cards yet."
      onRowClick={(card) => void navigate({ to: "/rate-cards/$id", params: { id: card.id }, search: {} })}
      cells={(card) => <RateCardCells card={card} />}
      pager={{
        cursor,
        noun: ["rate card", "rate cards"],
        onPage: (next) => void navigate({ search: { kind: search.kind, ...next } }),
      }}
    />
  );
}

function RateCardCells(props: { card: RateCard }) {
  const card = props.card;
  return (
    <>
      <Table.Td>
        <Text size="sm" fw={500}>
          {card.name}
        </Text>
        <Badge size="xs" variant="light" color={card.kind === "default" ? "indigo" : "grape"}>
          {card.kind === "default" ? "Default" : "Customer"}
        </Badge>
      </Table.Td>
      <Table.Td className="mono">{card.currency}</Table.Td>
      <Table.Td>{card.customer === null ? <Text c="dimmed">—</Text> : <CustomerLink id={card.customer} />}</Table.Td>
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
    </>
  );
}
