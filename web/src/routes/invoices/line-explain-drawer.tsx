import { Alert, Drawer, Paper, SimpleGrid, Stack, Table, Text } from "@mantine/core";
import { useQuery } from "@tanstack/react-query";
import { Decimal } from "decimal.js";
import { useState } from "react";
import { api } from "../../api.js";
import type { InvoiceLine } from "../../billing.js";
import { AppLink } from "../../components/billing-ui.js";
import { ForwardPager } from "../../components/pager.js";
import { Amount, ErrorAlert, Labeled, MessageRow } from "../../components/ui.js";
import { amountsEqual, formatInstant, sumAmounts } from "../../format.js";
import type { ExplainedCharge, LineExplanation } from "../../usage.js";

/**
 * Why a usage line says what it says: its charges summed by code and
 * dimensions (adding up to the line), the script and rate card versions
 * that priced them, and every charge with the event behind it, page by
 * page, with each page's sum, so an analyst can tick the line to the cent.
 * Charge amounts are exact (quantity × unit price); the line is their sum
 * rounded once, half away from zero, so the checks round the exact sum the
 * same way before comparing it to the line.
 */

const PAGE_SIZE = 50;

export function LineExplainDrawer(props: { line: InvoiceLine | null; currency: string; onClose: () => void }) {
  const line = props.line;
  return (
    <Drawer
      opened={line !== null}
      onClose={props.onClose}
      position="right"
      size={1000}
      title={line === null ? "" : `Explain: ${line.description}`}
    >
      {line === null ? null : <Explanation key={line.id} line={line} currency={props.currency} />}
    </Drawer>
  );
}

function Explanation(props: { line: InvoiceLine; currency: string }) {
  // The API pages forward only (charge ids ascending); the cursors passed are kept to walk back.
  const [cursors, setCursors] = useState<string[]>([]);
  const cursor = cursors.at(-1);
  const explanation = useQuery({
    queryKey: ["invoice_line_explanation", props.line.id, cursor],
    queryFn: () =>
      api.get<LineExplanation>(`/v1/invoice_lines/${encodeURIComponent(props.line.id)}/explain`, {
        limit: PAGE_SIZE,
        starting_after: cursor,
      }),
  });
  const data = explanation.data;
  const currency = props.currency;
  return (
    <Stack gap="md" data-testid="line-explanation">
      <ErrorAlert error={explanation.error} title="The explanation could not be loaded" />
      <SimpleGrid cols={4} spacing="xs" data-testid="explain-line">
        <Labeled label="Description">
          <Text size="sm">{props.line.description}</Text>
        </Labeled>
        <Labeled label="Quantity">
          <Text size="sm" className="mono">
            {props.line.quantity}
          </Text>
        </Labeled>
        <Labeled label="Unit price">
          <Amount value={props.line.unit_amount} currency={currency} />
        </Labeled>
        <Labeled label="Amount">
          <Amount value={props.line.amount} currency={currency} strong />
        </Labeled>
      </SimpleGrid>
      {explanation.isPending ? (
        <Text size="sm" c="dimmed">
          Loading…
        </Text>
      ) : null}
      {data === undefined ? null : data.kind === "rated_usage" ? (
        <RatedUsage explanation={data} currency={currency} cursors={cursors} onCursors={setCursors} />
      ) : (
        <Text size="sm" c="dimmed">
          {data.note ?? "This line is measured by a meter, not rated by a charge script."}
        </Text>
      )}
    </Stack>
  );
}

function RatedUsage(props: {
  explanation: LineExplanation;
  currency: string;
  cursors: string[];
  onCursors: (cursors: string[]) => void;
}) {
  const { explanation, currency } = props;
  const arithmetic = explanation.arithmetic;
  const groups = explanation.charge_groups ?? [];
  const groupsTotal = sumAmounts(groups.map((group) => group.amount));
  return (
    <>
      {arithmetic === undefined ? null : (
        <Alert
          color={arithmetic.matches ? "teal" : "red"}
          variant="light"
          data-testid="explain-arithmetic"
          title={
            arithmetic.matches
              ? "The charges add up to the line"
              : "The charges do not add up to the line: reconcile this period"
          }
        >
          <Text size="sm">
            {arithmetic.charges} {arithmetic.charges === 1 ? "charge sums" : "charges sum"} to{" "}
            <Amount value={arithmetic.sum_of_charges} currency={currency} strong />, rounded once{" "}
            <Amount value={arithmetic.sum_of_charges_rounded} currency={currency} strong />; the line is{" "}
            <Amount value={arithmetic.line_amount} currency={currency} strong />.
          </Text>
        </Alert>
      )}
      <Labeled gap={6} label="Charges by code">
        <Paper withBorder radius="sm">
          <Table data-testid="explain-groups">
            <Table.Thead className="table-head">
              <Table.Tr>
                <Table.Th>Code</Table.Th>
                <Table.Th>Dimensions</Table.Th>
                <Table.Th ta="right">Charges</Table.Th>
                <Table.Th ta="right">Quantity</Table.Th>
                <Table.Th ta="right">Unit price</Table.Th>
                <Table.Th ta="right">Amount</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {groups.map((group) => (
                <Table.Tr key={`${group.code}|${JSON.stringify(group.dimensions)}|${group.unit_price}`}>
                  <Table.Td className="mono">{group.code}</Table.Td>
                  <Table.Td>
                    <Dimensions value={group.dimensions} />
                  </Table.Td>
                  <Table.Td ta="right" className="mono">
                    {group.charges}
                  </Table.Td>
                  <Table.Td ta="right" className="mono">
                    {group.quantity}
                  </Table.Td>
                  <Table.Td ta="right" className="mono">
                    {group.unit_price}
                  </Table.Td>
                  <Table.Td ta="right">
                    <Amount value={group.amount} currency={currency} />
                  </Table.Td>
                </Table.Tr>
              ))}
              <Table.Tr data-testid="explain-groups-total">
                <Table.Td colSpan={5}>
                  <Text size="sm" fw={600}>
                    Sum of the groups{" "}
                    {arithmetic === undefined ? null : amountsEqual(
                        roundedLike(groupsTotal, arithmetic.line_amount),
                        arithmetic.line_amount,
                      ) ? (
                      <Text span size="sm" c="teal.8">
                        rounded = the line amount ✓
                      </Text>
                    ) : (
                      <Text span size="sm" c="red.8">
                        ≠ the line amount
                      </Text>
                    )}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={groupsTotal} currency={currency} strong />
                </Table.Td>
              </Table.Tr>
            </Table.Tbody>
          </Table>
        </Paper>
      </Labeled>
      <Versions explanation={explanation} />
      <ChargesTable
        charges={explanation.charges?.data ?? []}
        hasMore={explanation.charges?.has_more ?? false}
        total={arithmetic?.charges ?? 0}
        currency={currency}
        cursors={props.cursors}
        onCursors={props.onCursors}
      />
    </>
  );
}

/** The exact amount rounded half away from zero to as many decimals as the line amount carries. */
function roundedLike(amount: string, line: string): string {
  const decimals = line.split(".")[1]?.length ?? 0;
  return new Decimal(amount).toDecimalPlaces(decimals, Decimal.ROUND_HALF_UP).toFixed(decimals);
}

function Versions(props: { explanation: LineExplanation }) {
  const scripts = props.explanation.script_versions ?? [];
  const cards = props.explanation.rate_cards ?? [];
  return (
    <SimpleGrid cols={2} spacing="md" data-testid="explain-versions">
      <Labeled gap={6} label="Charge script">
        {scripts.map((version) => (
          <Text size="sm" key={version.id}>
            <AppLink to={`/scripts/${encodeURIComponent(version.script)}/versions/${encodeURIComponent(version.id)}`}>
              {version.script_name} version {version.number}
            </AppLink>{" "}
            <Text span size="xs" c="dimmed">
              in effect from {formatInstant(version.effective_from)}
            </Text>
          </Text>
        ))}
      </Labeled>
      <Labeled gap={6} label="Rate cards">
        {cards.map((card) => (
          <Text size="sm" key={card.id}>
            <AppLink to={`/rate-cards/${encodeURIComponent(card.rate_card)}?tab=history`}>
              {card.rate_card_name} version {card.number}
            </AppLink>{" "}
            <Text span size="xs" c="dimmed">
              {card.kind === "default" ? "default card" : "customer's card"}
            </Text>
          </Text>
        ))}
      </Labeled>
    </SimpleGrid>
  );
}

function ChargesTable(props: {
  charges: readonly ExplainedCharge[];
  hasMore: boolean;
  total: number;
  currency: string;
  cursors: string[];
  onCursors: (cursors: string[]) => void;
}) {
  const { charges, currency, cursors } = props;
  const first = cursors.length * PAGE_SIZE + 1;
  const pageSum = sumAmounts(charges.map((charge) => charge.amount));
  const last = charges.at(-1);
  return (
    <Labeled gap={6} label="Charges and their events">
      <Paper withBorder radius="sm">
        <Table striped data-testid="explain-charges">
          <Table.Thead className="table-head">
            <Table.Tr>
              <Table.Th>Code</Table.Th>
              <Table.Th>Transaction id</Table.Th>
              <Table.Th>Event</Table.Th>
              <Table.Th>Properties</Table.Th>
              <Table.Th ta="right">Quantity × unit</Table.Th>
              <Table.Th ta="right">Amount</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {charges.length === 0 ? <MessageRow columns={6}>This line has no charges.</MessageRow> : null}
            {charges.map((charge) => (
              <Table.Tr key={charge.id}>
                <Table.Td className="mono">{charge.code}</Table.Td>
                <Table.Td className="mono">{charge.event?.transaction_id ?? "—"}</Table.Td>
                <Table.Td>
                  {charge.event === null ? (
                    <Text size="xs" c="dimmed">
                      period charge
                    </Text>
                  ) : (
                    <Stack gap={0}>
                      <Text size="xs" className="mono">
                        {charge.event.type}
                      </Text>
                      <Text size="xs" c="dimmed">
                        {formatInstant(charge.event.timestamp)}
                      </Text>
                    </Stack>
                  )}
                </Table.Td>
                <Table.Td maw={220}>
                  <Text size="xs" className="mono" lineClamp={1} c="dimmed">
                    {charge.event === null ? "" : JSON.stringify(charge.event.properties)}
                  </Text>
                </Table.Td>
                <Table.Td ta="right" className="mono">
                  <Text size="xs" className="mono">
                    {charge.quantity} × {charge.unit_price}
                  </Text>
                </Table.Td>
                <Table.Td ta="right">
                  <Amount value={charge.amount} currency={currency} />
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Paper>
      <ForwardPager
        summary={
          charges.length === 0 ? null : (
            <span data-testid="explain-page-sum">
              Charges {first}–{first + charges.length - 1} of {props.total}: this page sums to{" "}
              <Amount value={pageSum} currency={currency} />
            </span>
          )
        }
        cursors={cursors}
        next={props.hasMore ? last?.id : null}
        onCursors={props.onCursors}
        labels={["← Previous", "Next →"]}
      />
    </Labeled>
  );
}

function Dimensions(props: { value: Record<string, string> }) {
  const entries = Object.entries(props.value);
  if (entries.length === 0)
    return (
      <Text size="xs" c="dimmed">
        —
      </Text>
    );
  return (
    <Text size="xs" className="mono">
      {entries.map(([key, value]) => `${key}=${value}`).join(", ")}
    </Text>
  );
}
