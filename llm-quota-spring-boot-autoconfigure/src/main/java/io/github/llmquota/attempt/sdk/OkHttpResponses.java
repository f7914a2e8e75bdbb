package io.github.llmquota.attempt.sdk;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Okio;

import io.github.llmquota.stream.SseUsageTap;

import org.springframework.lang.Nullable;

/**
 * OkHttp's response type, for {@link SdkReply}: what the OpenAI SDK's interceptor sees.
 */
final class OkHttpResponses implements SdkResponses<Response> {

	static final OkHttpResponses INSTANCE = new OkHttpResponses();

	private OkHttpResponses() {
	}

	@Override
	public int status(Response response) {
		return response.code();
	}

	@Override
	public Map<String, List<String>> headers(Response response) {
		return response.headers().toMultimap();
	}

	@Override
	public InputStream body(Response response) {
		// An interceptor's response always has a body; null is only for cached or prior
		// responses, and reads as empty.
		ResponseBody body = response.body();
		return (body != null) ? body.byteStream() : InputStream.nullInputStream();
	}

	@Override
	public void close(Response response) {
		response.close();
	}

	@Override
	public Response replayed(Response response, byte[] body, boolean notToRetry) {
		Response.Builder replayed = response.newBuilder();
		if (notToRetry) {
			replayed.header(SdkHeaders.SHOULD_RETRY, "false");
		}
		ResponseBody original = response.body();
		return replayed.body(ResponseBody.create(body, (original != null) ? original.contentType() : null)).build();
	}

	@Override
	public Response streamed(Response response, @Nullable SseUsageTap tap, Runnable end) {
		ResponseBody body = response.body();
		if (body == null) {
			end.run();
			return response;
		}
		InputStream ending = new EndingInputStream(body.byteStream(), tap, end);
		ResponseBody streamed = ResponseBody.create(Okio.buffer(Okio.source(ending)), body.contentType(),
				body.contentLength());
		return response.newBuilder().body(streamed).build();
	}

}
