import { Select } from "@mantine/core";
import { useDebouncedValue } from "@mantine/hooks";
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { api, type List } from "../../api.js";
import { type CustomerSummary, customerName } from "../../billing.js";
import { useCustomer } from "../../components/billing-ui.js";

/** Pick a customer by typing part of a name, email, external or tax id. */
export function CustomerSelect(props: {
  value: string | null;
  onChange: (id: string | null) => void;
  label?: string;
  w?: number;
  error?: string | undefined;
  mb?: string;
}) {
  const [typed, setTyped] = useState("");
  const [q] = useDebouncedValue(typed, 250);
  const found = useQuery({
    queryKey: ["customers", "pick", q],
    queryFn: () => api.get<List<CustomerSummary>>("/v1/customers", { q: q.trim(), limit: 20 }),
    staleTime: 30_000,
  });
  const chosen = useCustomer(props.value);
  const options = (found.data?.data ?? []).map((customer) => ({
    value: customer.id,
    label: `${customerName(customer)} · ${customer.currency}`,
  }));
  if (props.value !== null && !options.some((option) => option.value === props.value)) {
    options.unshift({
      value: props.value,
      label: chosen.data === undefined ? props.value : `${customerName(chosen.data)} · ${chosen.data.currency}`,
    });
  }
  return (
    <Select
      label={props.label ?? "Customer"}
      placeholder="Any customer"
      searchable
      clearable
      w={props.w ?? 260}
      data={options}
      value={props.value}
      onChange={props.onChange}
      onSearchChange={setTyped}
      filter={({ options: all }) => all}
      nothingFoundMessage={found.isFetching ? "Searching…" : "No customer matches"}
      error={props.error}
      mb={props.mb}
    />
  );
}
