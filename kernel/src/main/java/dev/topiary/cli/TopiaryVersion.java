package dev.topiary.cli;

import ai.djl.engine.Engine;
import dev.topiary.engine.Engines;
import picocli.CommandLine.IVersionProvider;

/** The version from the jar manifest, with the engine it runs on. */
final class TopiaryVersion implements IVersionProvider {
    @Override
    public String[] getVersion() {
        Engine engine = Engines.engine();
        return new String[] {"topiary " + version() + " on " + engine.getEngineName() + " " + engine.getVersion()};
    }

    /** The version from the jar manifest, or "(development build)" when run from classes. */
    static String version() {
        String version = TopiaryVersion.class.getPackage().getImplementationVersion();
        return version == null ? "(development build)" : version;
    }
}
