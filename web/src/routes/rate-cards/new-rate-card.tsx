import { Button, Group, Modal, SegmentedControl, Stack, Text, Textarea, TextInput } from "@mantine/core";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useNavigate } from "@tanstack/react-router";
import { useState } from "react";
import { api } from "../../api.js";
import { ErrorAlert, fieldError } from "../../components/ui.js";
import type { RateCard, RateCardVersion } from "../../usage.js";
import { CustomerSelect } from "../invoices/customer-select.js";

/**
 * A new card starts empty as version 1, a draft: its rates are added in the
 * draft editor it opens on, and it changes nothing until approved.
 */
export function NewRateCardModal(props: { onClose: () => void }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [kind, setKind] = useState<"default" | "customer">("customer");
  const [customer, setCustomer] = useState<string | null>(null);
  const [currency, setCurrency] = useState("");
  const [name, setName] = useState("");
  const [note, setNote] = useState("");
  const create = useMutation({
    mutationFn: () =>
      api.post<{ card: RateCard; version: RateCardVersion }>("/v1/rate_cards", {
        kind,
        ...(kind === "customer" ? { customer: customer ?? undefined } : { currency: currency.trim().toUpperCase() }),
        ...(name.trim() === "" ? {} : { name: name.trim() }),
        ...(note.trim() === "" ? {} : { note: note.trim() }),
        rates: {},
      }),
    onSuccess: async ({ card }) => {
      await queryClient.invalidateQueries({ queryKey: ["rate_cards"] });
      props.onClose();
      await navigate({ to: "/rate-cards/$id", params: { id: card.id }, search: { tab: "draft" } });
    },
  });
  return (
    <Modal opened onClose={props.onClose} title="New rate card">
      <Stack gap="sm">
        <ErrorAlert error={create.error} title="Not created" />
        <SegmentedControl
          value={kind}
          onChange={(value) => setKind(value as "default" | "customer")}
          data={[
            { value: "customer", label: "A customer's card" },
            { value: "default", label: "Default card" },
          ]}
        />
        <Text size="xs" c="dimmed">
          {kind === "customer"
            ? "Holds only the rates this customer negotiated, in the customer's currency; every other code comes from the default card."
            : "The rates everybody pays in one currency unless their own card says otherwise; one per currency."}
        </Text>
        {kind === "customer" ? (
          <CustomerSelect
            value={customer}
            onChange={setCustomer}
            w={400}
            error={fieldError(create.error, "customer")}
          />
        ) : (
          <TextInput
            label="Currency"
            placeholder="USD"
            maxLength={3}
            w={120}
            value={currency}
            onChange={(event) => setCurrency(event.currentTarget.value)}
            error={fieldError(create.error, "currency")}
          />
        )}
        <TextInput
          label="Name"
          placeholder="Northwind rates"
          value={name}
          onChange={(event) => setName(event.currentTarget.value)}
          error={fieldError(create.error, "name")}
        />
        <Textarea
          label="Note"
          placeholder="Contract 2026-114, signed 28 May"
          autosize
          minRows={2}
          value={note}
          onChange={(event) => setNote(event.currentTarget.value)}
          error={fieldError(create.error, "note")}
        />
        <Group justify="flex-end">
          <Button variant="default" onClick={props.onClose}>
            Cancel
          </Button>
          <Button loading={create.isPending} onClick={() => create.mutate()}>
            Create card
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
