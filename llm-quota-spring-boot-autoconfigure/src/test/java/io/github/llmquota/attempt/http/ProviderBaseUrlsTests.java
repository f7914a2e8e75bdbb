package io.github.llmquota.attempt.http;

import java.net.URI;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link ProviderBaseUrls}.
 */
class ProviderBaseUrlsTests {

	@Test
	void matchesSchemeHostPortAndPathPrefix() {
		ProviderBaseUrls urls = ProviderBaseUrls.of(List.of("https://api.anthropic.com", "http://proxy:8080/openai/"));

		assertThat(urls.matches(URI.create("https://API.anthropic.com:443/v1/messages"))).isTrue();
		assertThat(urls.matches(URI.create("http://api.anthropic.com/v1/messages"))).isFalse();
		assertThat(urls.matches(URI.create("https://api.anthropic.com.evil.example/v1/messages"))).isFalse();
		assertThat(urls.matches(URI.create("http://proxy:8080/openai/v1/chat/completions"))).isTrue();
		assertThat(urls.matches(URI.create("http://proxy:8080/openaiX/v1"))).isFalse();
		assertThat(urls.matches(URI.create("http://proxy/openai/v1"))).isFalse();
		assertThat(urls.matches(URI.create("/v1/messages"))).isFalse();
	}

	@Test
	void urlThatIsNotAbsoluteHttpIsRefusedNamingTheProperty() {
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderBaseUrls.of(List.of("ftp://host")))
			.withMessageContaining("llm.quota.governor.base-urls");
		assertThatIllegalArgumentException().isThrownBy(() -> ProviderBaseUrls.of(List.of("not a url")))
			.withMessageContaining("llm.quota.governor.base-urls");
	}

}
