package io.github.llmquota.provider;

import java.time.Instant;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads Mistral's undocumented {@code ratelimitbysize-*} token headers. The reset is in
 * whole seconds, and {@code x-ratelimitbysize-*-minute} repeats the same bucket without a
 * reset. The monthly token bucket has no {@link Dimension} and is not read.
 */
final class MistralReader implements ProviderReader {

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Long limit = headers.readCount("ratelimitbysize-limit")
			.or(() -> headers.readCount("x-ratelimitbysize-limit-minute"))
			.orElse(null);
		Long remaining = headers.remaining("ratelimitbysize-remaining", limit);
		if (remaining == null) {
			remaining = headers.remaining("x-ratelimitbysize-remaining-minute", limit);
		}
		Instant resetAt = response
			.after(headers.read("ratelimitbysize-reset", ValueParsers::parseSeconds).orElse(null));
		feedback.reading(Dimension.TOKENS_PER_MINUTE, limit, remaining,
				response.resetAt("ratelimitbysize-reset", resetAt));
	}

}
