package io.github.llmquota.sample.load;

import org.springframework.test.context.TestPropertySource;

/**
 * {@link LoadModeTests}' run with {@code sample.provider.client=anthropic-sdk}: the same
 * traffic through the official Java SDK, with its default retries.
 */
@TestPropertySource(properties = "sample.provider.client=anthropic-sdk")
class SdkLoadModeTests extends LoadModeTests {

}
