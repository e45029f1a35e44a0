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

const (
	coreModules    = " v0.158.0"
	contribModules = "github.com/open-telemetry/opentelemetry-collector-contrib/"
)

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
		bearertokenauthextension.NewFactory().Type(): contribModules + "extension/bearertokenauthextension" + coreModules,
		filestorage.NewFactory().Type():              contribModules + "extension/storage/filestorage" + coreModules,
		headerssetterextension.NewFactory().Type():   contribModules + "extension/headerssetterextension" + coreModules,
		healthcheckextension.NewFactory().Type():     contribModules + "extension/healthcheckextension" + coreModules,
	})

	factories.Receivers, err = otelcol.MakeFactoryMap[receiver.Factory](
		otlpreceiver.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ReceiverModules = withAliases(factories.Receivers, map[component.Type]string{
		otlpreceiver.NewFactory().Type(): "go.opentelemetry.io/collector/receiver/otlpreceiver" + coreModules,
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
		debugexporter.NewFactory().Type():         "go.opentelemetry.io/collector/exporter/debugexporter" + coreModules,
		loadbalancingexporter.NewFactory().Type(): contribModules + "exporter/loadbalancingexporter" + coreModules,
		otlphttpexporter.NewFactory().Type():      "go.opentelemetry.io/collector/exporter/otlphttpexporter" + coreModules,
	})

	factories.Processors, err = otelcol.MakeFactoryMap[processor.Factory](
		memorylimiterprocessor.NewFactory(),
	)
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ProcessorModules = withAliases(factories.Processors, map[component.Type]string{
		memorylimiterprocessor.NewFactory().Type(): "go.opentelemetry.io/collector/processor/memorylimiterprocessor" + coreModules,
	})

	factories.Connectors, err = otelcol.MakeFactoryMap[connector.Factory]()
	if err != nil {
		return otelcol.Factories{}, err
	}
	factories.ConnectorModules = map[component.Type]string{}

	return factories, nil
}
