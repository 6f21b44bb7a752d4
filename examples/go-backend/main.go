// Command go-backend places a Flexybox gift-certificate order with giftflow from Go, as a backend
// written in Go would: the official Temporal Go SDK, giftflow's payload codec reached through its
// codec server (converter.NewRemoteDataConverter), the workflow type, task queue, workflow ID and
// reuse policy of docs/other-languages.md. It waits for the result, reads the `status` query,
// finds the order by its search attributes and prints a JSON summary on stdout.
//
//	go run . -ref order-1042 -input ../flexybox-order.json
//
// Environment: TEMPORAL_ADDRESS (default 127.0.0.1:7233), TEMPORAL_NAMESPACE (default "default"),
// GIFTFLOW_CODEC_ENDPOINT (default http://127.0.0.1:4020, what `npm start` runs) and, when the
// codec server requires one, GIFTFLOW_CODEC_AUTH_TOKEN.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"math/big"
	"net/http"
	"os"
	"regexp"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/temporal"
)

// Where a Flexybox order goes: schemas/flexybox-order.schema.json names the same three facts.
const (
	workflowType     = "flexyboxGiftCertificateOrder"
	taskQueue        = "giftflow-flexybox"
	workflowIDPrefix = "giftorder-flexybox-"
)

// The order references giftflow's own client accepts (ORDER_REF in client/index.ts). The ref is
// also quoted in a visibility query below, so it must never hold a quote.
var orderRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$`)

// orderStatus is the `status` query's answer (OrderStatus in contracts/shared.ts).
type orderStatus struct {
	Step        string            `json:"step"`
	State       string            `json:"state"`
	ProviderIDs map[string]string `json:"providerIds"`
	Attempts    map[string]int    `json:"attempts"`
	LastError   *string           `json:"lastError"`
}

type summary struct {
	WorkflowID string `json:"workflowId"`
	RunID      string `json:"runId"`
	// True when an order with this reference already existed and this run attached to it.
	Attached bool `json:"attached"`
	// The workflow's result (FlexyboxOrderResult in contracts/flexybox.ts), decoded through the codec server.
	Result map[string]any `json:"result"`
	Status orderStatus    `json:"status"`
	Search searchResult   `json:"search"`
}

type searchResult struct {
	Query string   `json:"query"`
	Found []string `json:"found"`
}

func main() {
	ref := flag.String("ref", "", "your reference for this order; the same reference never orders twice")
	inputFile := flag.String("input", "../flexybox-order.json", "the order input (JSON, see schemas/flexybox-order.schema.json)")
	timeout := flag.Duration("timeout", 2*time.Minute, "how long to wait for the order and its search attributes")
	flag.Parse()
	if err := run(*ref, *inputFile, *timeout); err != nil {
		fmt.Fprintln(os.Stderr, "go-backend:", err)
		os.Exit(1)
	}
}

func run(ref, inputFile string, timeout time.Duration) error {
	if !orderRef.MatchString(ref) {
		return fmt.Errorf("-ref %q: must be 1-128 characters: letters, digits and . _ : - (starting with a letter or digit)", ref)
	}
	input, err := readInput(inputFile)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	c, err := connect()
	if err != nil {
		return err
	}
	defer c.Close()

	workflowID := workflowIDPrefix + ref
	out := summary{WorkflowID: workflowID}
	order, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:        workflowID,
		TaskQueue: taskQueue,
		// giftflow's reuse policy: one run per reference, open or finished, so a repeat never orders twice.
		WorkflowIDReusePolicy:                    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy:                 enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		WorkflowExecutionErrorWhenAlreadyStarted: true,
		// Optional: the Web UI's one line for the order, as giftflow's client writes it.
		StaticSummary: orderSummary(ref, input),
	}, workflowType, input)
	var alreadyStarted *serviceerror.WorkflowExecutionAlreadyStarted
	switch {
	case errors.As(err, &alreadyStarted):
		// A repeat (e.g. after a crash of this backend): attach to the order placed under this reference.
		out.Attached = true
		order = c.GetWorkflow(ctx, workflowID, alreadyStarted.RunId)
	case err != nil:
		return fmt.Errorf("start %s: %w", workflowID, err)
	}
	out.RunID = order.GetRunID()

	if err := order.Get(ctx, &out.Result); err != nil {
		return fmt.Errorf("order %s did not complete: %w", workflowID, err)
	}
	status, err := c.QueryWorkflow(ctx, workflowID, "", "status")
	if err != nil {
		return fmt.Errorf("status query of %s: %w", workflowID, err)
	}
	if err := status.Get(&out.Status); err != nil {
		return fmt.Errorf("status query of %s: decoding the answer: %w", workflowID, err)
	}
	if out.Search, err = findByRef(ctx, c, ref); err != nil {
		return err
	}
	encoder := json.NewEncoder(os.Stdout)
	encoder.SetIndent("", "  ")
	return encoder.Encode(out)
}

// readInput reads the order as JSON, numbers kept as written, so the workflow receives exactly
// what the file says; giftflow's worker validates it against the same schema as schemas/.
func readInput(file string) (map[string]any, error) {
	raw, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("-input: %w", err)
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var input map[string]any
	if err := decoder.Decode(&input); err != nil {
		return nil, fmt.Errorf("-input %s: not a JSON object: %w", file, err)
	}
	return input, nil
}

// connect dials Temporal with a data converter that encrypts and decrypts every payload through
// giftflow's codec server, so this program never holds the codec keys.
func connect() (client.Client, error) {
	address := envOr("TEMPORAL_ADDRESS", "127.0.0.1:7233")
	endpoint := envOr("GIFTFLOW_CODEC_ENDPOINT", "http://127.0.0.1:4020")
	namespace := envOr("TEMPORAL_NAMESPACE", "default")
	token := os.Getenv("GIFTFLOW_CODEC_AUTH_TOKEN")
	dataConverter := converter.NewRemoteDataConverter(converter.GetDefaultDataConverter(), converter.RemoteDataConverterOptions{
		Endpoint: endpoint,
		ModifyRequest: func(request *http.Request) error {
			request.Header.Set("X-Namespace", namespace)
			if token != "" {
				request.Header.Set("Authorization", "Bearer "+token)
			}
			return nil
		},
	})
	c, err := client.Dial(client.Options{
		HostPort:      address,
		Namespace:     namespace,
		DataConverter: dataConverter,
		// giftflow's workers encrypt failure messages and stack traces too (security/failure-converter.ts);
		// this lets a failed order's error read as text here, and keeps ours encrypted in the other direction.
		FailureConverter: temporal.NewDefaultFailureConverter(temporal.DefaultFailureConverterOptions{
			DataConverter:          dataConverter,
			EncodeCommonAttributes: true,
		}),
		// stdout carries the JSON summary only.
		Logger: log.NewStructuredLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))),
	})
	if err != nil {
		return nil, fmt.Errorf("cannot reach Temporal at %s (TEMPORAL_ADDRESS): %w", address, err)
	}
	// A codec server that is down or refuses the token would otherwise surface as a failed start.
	if _, err := dataConverter.ToPayload("codec check"); err != nil {
		c.Close()
		return nil, fmt.Errorf("codec server at %s (GIFTFLOW_CODEC_ENDPOINT) refused or unreachable; set GIFTFLOW_CODEC_AUTH_TOKEN if it requires one: %w", endpoint, err)
	}
	return c, nil
}

// findByRef lists the order by giftflow's search attributes, as `giftflow list` and the Web UI do.
// Visibility is updated shortly after the workflow sets them, so it polls until the order shows.
func findByRef(ctx context.Context, c client.Client, ref string) (searchResult, error) {
	result := searchResult{Query: fmt.Sprintf("GiftProvider='flexybox' AND GiftOrderRef='%s'", ref)}
	for {
		page, err := c.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{Query: result.Query})
		if err != nil {
			return result, fmt.Errorf("list %s: %w", result.Query, err)
		}
		for _, execution := range page.Executions {
			result.Found = append(result.Found, execution.Execution.WorkflowId)
		}
		if len(result.Found) > 0 {
			return result, nil
		}
		select {
		case <-ctx.Done():
			return result, fmt.Errorf("no order found by %s: does each giftflow workflow set GiftProvider and GiftOrderRef? (%w)", result.Query, ctx.Err())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// orderSummary is the line giftflow's client shows for an order in the Web UI's workflow list
// (orderSummary in client/orders.ts): provider, reference, total and currency, how many
// certificates. It never holds personal data. Defaults as in schemas/flexybox-order.schema.json.
func orderSummary(ref string, input map[string]any) string {
	currency, _ := input["currency"].(string)
	if currency == "" {
		currency = "DKK"
	}
	total, certificates := new(big.Rat), int64(0)
	lines, _ := input["certificates"].([]any)
	for _, item := range lines {
		line, _ := item.(map[string]any)
		quantity := int64(1)
		if q, ok := line["quantity"].(json.Number); ok {
			quantity, _ = q.Int64()
		}
		price := new(big.Rat)
		if p, ok := line["price"].(json.Number); ok {
			price.SetString(p.String())
		}
		total.Add(total, price.Mul(price, big.NewRat(quantity, 1)))
		certificates += quantity
	}
	noun := "certificates"
	if certificates == 1 {
		noun = "certificate"
	}
	return fmt.Sprintf("Flexybox order %s: %s %s, %d %s", ref, total.FloatString(currencyDecimals(currency)), currency, certificates, noun)
}

// currencyDecimals is the ISO 4217 exponent: 2 but for these (contracts/money.ts has the same list).
func currencyDecimals(currency string) int {
	switch currency {
	case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV", "XAF", "XOF", "XPF":
		return 0
	case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
		return 3
	}
	return 2
}

func envOr(name, fallback string) string {
	if value := os.Getenv(name); value != "" {
		return value
	}
	return fallback
}
