package io.github.llmquota.attempt;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import org.springframework.lang.Nullable;

/**
 * One HTTP request to a provider, as the {@link AttemptGovernor} sees it before it is
 * sent.
 *
 * @param method the HTTP method, such as {@code POST}
 * @param uri the full request URI
 * @param headers the request headers by name, in any case; never read for credentials
 * @param body the request body, or {@code null} when there is none; the governor reads it
 * as JSON for the model, {@code max_tokens} and the prompt, and never changes it
 */
public record ProviderRequest(String method, URI uri, Map<String, List<String>> headers, @Nullable byte[] body) {

	/**
	 * Create a request.
	 * @throws NullPointerException if the method, URI or headers are {@code null}
	 */
	public ProviderRequest {
		Objects.requireNonNull(method, "'method' must not be null");
		Objects.requireNonNull(uri, "'uri' must not be null");
		Objects.requireNonNull(headers, "'headers' must not be null");
	}

}
