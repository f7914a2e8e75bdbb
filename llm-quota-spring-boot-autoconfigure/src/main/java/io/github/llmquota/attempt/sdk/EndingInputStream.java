package io.github.llmquota.attempt.sdk;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;

import io.github.llmquota.stream.SseUsageTap;

import org.springframework.lang.Nullable;

/**
 * The body of a streamed SDK response, which passes what is read to its tap and runs its
 * end action when it is read to its end, fails, or is closed.
 */
final class EndingInputStream extends FilterInputStream {

	private final Runnable end;

	/**
	 * @param in the body
	 * @param tap reads every byte read from the body, or {@code null}
	 * @param end what to do when the body ends; called again by every later end, so it
	 * must run its own work only once
	 */
	EndingInputStream(InputStream in, @Nullable SseUsageTap tap, Runnable end) {
		super((tap != null) ? tap.tapping(in) : in);
		this.end = end;
	}

	@Override
	public int read() throws IOException {
		return ended(super::read);
	}

	@Override
	public int read(byte[] buffer, int offset, int length) throws IOException {
		return ended(() -> super.read(buffer, offset, length));
	}

	@Override
	public void close() throws IOException {
		try {
			super.close();
		}
		finally {
			this.end.run();
		}
	}

	private int ended(Read read) throws IOException {
		try {
			int result = read.read();
			if (result < 0) {
				this.end.run();
			}
			return result;
		}
		catch (IOException | RuntimeException ex) {
			this.end.run();
			throw ex;
		}
	}

	@FunctionalInterface
	private interface Read {

		int read() throws IOException;

	}

}
