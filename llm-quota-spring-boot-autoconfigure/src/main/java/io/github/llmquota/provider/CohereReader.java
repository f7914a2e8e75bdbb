package io.github.llmquota.provider;

import java.util.regex.Pattern;

import io.github.llmquota.core.Dimension;
import io.github.llmquota.core.ErrorClass;
import io.github.llmquota.core.ProviderFeedback;

/**
 * Reads Cohere's trial-key headers, a per-endpoint requests-per-minute bucket, and tells
 * the trial key's monthly cap from its per-minute limit: both are 429s that differ only
 * in the message ("limited to 1000 API calls / month" against "10 API calls / minute").
 */
final class CohereReader implements ProviderReader {

	private static final Pattern PER_MONTH = Pattern.compile("(?:/|\\bper) ?month\\b", Pattern.CASE_INSENSITIVE);

	@Override
	public void read(Response response, ProviderFeedback.Builder feedback) {
		HeaderValues headers = response.headers();
		Long limit = headers.readCount("x-trial-endpoint-call-limit").orElse(null);
		feedback.reading(Dimension.REQUESTS_PER_MINUTE, limit,
				headers.remaining("x-trial-endpoint-call-remaining", limit), null);
		if (response.status() == 429 && PER_MONTH.matcher(response.body().message()).find()) {
			feedback.classify(ErrorClass.QUOTA_EXHAUSTED);
		}
	}

}
