package dev.topiary.kernel.testlibrary;

/** A value only {@link GreetingLibrary} knows how to show. */
public record Greeting(String name) {}
