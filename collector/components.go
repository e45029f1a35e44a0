package main

import (
	"github.com/open-telemetry/opentelemetry-collector-contrib/exporter/loadbalancingexporter"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/bearertokenauthextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/headerssetterextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/healthcheckextension"
	"github.com/open-telemetry/opentelemetry-collector-contrib/extension/storage/filestorage"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/connector"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/debugexporter"
	"go.opentelemetry.io/collector/exporter/otlphttpexporter"
	"go.opentelemetry.io/collector/extension"
	"go.opentelemetry.io/collector/otelcol"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/memorylimiterprocessor"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/service/telemetry/otelconftelemetry"
)

const contrib = "github.com/open-telemetry/opentelemetry-collector-contrib/"

// module names a component's Go module as `otelcol-auditlens components` reports it: every
// component module of this distribution (core and contrib) is of the release in main.go.
func module(path string) string { return path + " v" + release }

// deprecatedAlias is implemented by factories whose type was renamed (otlphttp → otlp_http,
// loadbalancing → load_balancing): the old name stays usable in configurations.
type deprecatedAlias interface{ DeprecatedAlias() component.Type }

// withAliases maps every deprecated alias to the module of the factory it names, so that
// `otelcol-auditlens components` lists the module under both names.
func withAliases[T component.Factory](factories map[component.Type]T, modules map[component.Type]string) map[component.Type]string {
	for componentType, factory := range factories {
		if aliased, ok := any(factory).(deprecatedAlias); ok && aliased.DeprecatedAlias().String() != "" {
			modules[aliased.DeprecatedAlias()] = modules[componentType]
		}
	}
	return modules
}

func components() (otelcol.Factories, error) {
	var err error
	factories := otelcol.Factories{Telemetry: otelconftelemetry.NewFactory()}

	factories.Extensions, err = otelcol.MakeFactoryMap[extension.Factory](
		bearertokenauthextension.NewFactory(),
		filestorage.NewFactory(),
		headerssetterextension.NewFactory(),
		healthcheckextension.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ExtensionModules = withAliases(factories.Extensions, map[component.Type]string{
		bearertokenauthextension.NewFactory().Type(): module(contrib + "extension/bearertokenauthextension"),
		filestorage.NewFactory().Type():              module(contrib + "extension/storage/filestorage"),
		headerssetterextension.NewFactory().Type():   module(contrib + "extension/headerssetterextension"),
		healthcheckextension.NewFactory().Type():     module(contrib + "extension/healthcheckextension"),
	})

	factories.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](
		otlpreceiver.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ReceiverModules = withAliases(factories.Receivers, map[component.Type]string{
		otlpreceiver.NewFactory().Type(): module("go.opentelemetry.io/collector/receiver/otlpreceiver"),
	})

	factories.Exporters, err = otelcol.MakeFactoryMap[exporter.Factory](
		debugexporter.NewFactory(),
		loadbalancingexporter.NewFactory(),
		otlphttpexporter.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ExporterModules = withAliases(factories.Exporters, map[component.Type]string{
		debugexporter.NewFactory().Type():         module("go.opentelemetry.io/collector/exporter/debugexporter"),
		loadbalancingexporter.NewFactory().Type(): module(contrib + "exporter/loadbalancingexporter"),
		otlphttpexporter.NewFactory().Type():      module("go.opentelemetry.io/collector/exporter/otlphttpexporter"),
	})

	factories.Processors, err = otelcol.MakeFactoryMap[processor.Factory](
		memorylimiterprocessor.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ProcessorModules = withAliases(factories.Processors, map[component.Type]string{
		memorylimiterprocessor.NewFactory().Type(): module("go.opentelemetry.io/collector/processor/memorylimiterprocessor"),
	})

	factories.Connectors, err = otelcol.MakeFactoryMap[connector.Factory]()
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ConnectorModules = map[component.Type]string{}

	return factories, nil
}
