package dev.topiary.cli;

import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, with the engine it runs on. */
final class TopiaryVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String version = TopiaryVersion.class.getPackage().getImplementationVersion();
        return new String[] {"topiary " + (version == null ? "(development build)" : version)
                + " on " + dev.topiary.engine.Engines.engine().getEngineName() + " "
                + dev.topiary.engine.Engines.engine().getVersion()};
    }
}
