// Program otelcol-auditlens is the AuditLens OpenTelemetry Collector distribution: the upstream
// collector with exactly the components AuditLens's collector configurations use
// (provisioning/otel-collector/). Laid out as the OpenTelemetry Collector Builder (ocb) lays out
// a distribution: main.go starts the collector, components.go registers the factories.
package main

import (
	"os"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/provider/envprovider"
	"go.opentelemetry.io/collector/confmap/provider/fileprovider"
	"go.opentelemetry.io/collector/confmap/provider/yamlprovider"
	"go.opentelemetry.io/collector/otelcol"
)

// The collector release every collector module in go.mod belongs to: its v0 modules (and contrib's)
// are at release, its stable v1 modules at stableRelease. docker-compose.yml runs the contrib image
// of the same release (collector/src/configs.test.ts checks all of them).
const (
	release       = "0.158.0"
	stableRelease = "1.64.0"
)

func main() {
	info := component.BuildInfo{
		Command:     "otelcol-auditlens",
		Description: "AuditLens OpenTelemetry Collector distribution",
		Version:     release,
	}

	settings := otelcol.CollectorSettings{
		BuildInfo: info,
		Factories: components,
		ConfigProviderSettings: otelcol.ConfigProviderSettings{
			ResolverSettings: confmap.ResolverSettings{
				ProviderFactories: []confmap.ProviderFactory{
					envprovider.NewFactory(),
					fileprovider.NewFactory(),
					yamlprovider.NewFactory(),
				},
			},
		},
		ProviderModules: map[string]string{
			"env":  "go.opentelemetry.io/collector/confmap/provider/envprovider v" + stableRelease,
			"file": "go.opentelemetry.io/collector/confmap/provider/fileprovider v" + stableRelease,
			"yaml": "go.opentelemetry.io/collector/confmap/provider/yamlprovider v" + stableRelease,
		},
	}

	// cobra has already printed the error.
	if err := otelcol.NewCommand(settings).Execute(); err != nil {
		os.Exit(1)
	}
}
