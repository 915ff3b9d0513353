package io.backplane.plugin.wire;

import io.backplane.codec.CanonicalReader;
import io.backplane.codec.CanonicalWriter;
import io.backplane.codec.CodecException;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;

/**
 * The enclave's framing on stdin/stdout: a frame is a u32 big-endian length followed by that many bytes, at most
 * {@link #MAX_FRAME} (a larger length is a protocol violation, never an allocation). A request body is
 * (u64 id, string method, bytes payload); a response body is (u64 id, u8 status, bytes payload), status
 * {@link #OK} or {@link #PLUGIN_ERROR} (then the payload is a UTF-8 message). All in the canonical encoding.
 */
public final class Frames {
    /** Largest frame either side accepts: 16 MiB. */
    public static final int MAX_FRAME = 16 << 20;
    public static final int OK = 0;
    public static final int PLUGIN_ERROR = 1;
    private static final int MAX_METHOD = 64;

    private Frames() {
    }

    /** A request from the host. */
    public record Request(long id, String method, byte[] payload) {
    }

    /** A response from the enclave. */
    public record Response(long id, int status, byte[] payload) {
    }

    public static void writeRequest(OutputStream out, Request r) throws IOException {
        writeFrame(out, new CanonicalWriter(r.payload().length + 32).u64(r.id()).string(r.method()).bytes(r.payload()).toByteArray());
    }

    public static void writeResponse(OutputStream out, Response r) throws IOException {
        writeFrame(out, new CanonicalWriter(r.payload().length + 16).u64(r.id()).u8(r.status()).bytes(r.payload()).toByteArray());
    }

    /** Reads one request; null at a clean end of stream (the host closed stdin). */
    public static Request readRequest(InputStream in) throws IOException {
        byte[] body = readFrame(in);
        if (body == null) {
            return null;
        }
        return CanonicalReader.decode(body, r -> new Request(r.u64(), r.string(MAX_METHOD), r.bytes(MAX_FRAME)));
    }

    /**
     * Reads one response.
     *
     * @throws EOFException when the enclave closed its stdout (it died)
     * @throws ProtocolViolation when the bytes are not a well-formed response
     */
    public static Response readResponse(InputStream in) throws IOException {
        byte[] body = readFrame(in);
        if (body == null) {
            throw new EOFException("enclave closed its output");
        }
        try {
            Response resp = CanonicalReader.decode(body, r -> new Response(r.u64(), r.u8(), r.bytes(MAX_FRAME)));
            if (resp.status() != OK && resp.status() != PLUGIN_ERROR) {
                throw new ProtocolViolation("response status " + resp.status() + " is neither 0 nor 1");
            }
            return resp;
        } catch (CodecException e) {
            throw new ProtocolViolation("malformed response frame: " + e.getMessage());
        }
    }

    private static void writeFrame(OutputStream out, byte[] body) throws IOException {
        if (body.length > MAX_FRAME) {
            throw new IOException("frame of " + body.length + " bytes exceeds the " + MAX_FRAME + "-byte limit");
        }
        byte[] header = {(byte) (body.length >>> 24), (byte) (body.length >>> 16), (byte) (body.length >>> 8), (byte) body.length};
        out.write(header);
        out.write(body);
        out.flush();
    }

    private static byte[] readFrame(InputStream in) throws IOException {
        DataInputStream din = new DataInputStream(in);
        int first = din.read();
        if (first < 0) {
            return null;
        }
        int b1 = din.read();
        int b2 = din.read();
        int b3 = din.read();
        if ((b1 | b2 | b3) < 0) {
            throw new ProtocolViolation("stream ended inside a frame header");
        }
        long len = ((long) first << 24) | ((long) b1 << 16) | ((long) b2 << 8) | b3;
        if (len > MAX_FRAME) {
            throw new ProtocolViolation("frame length " + len + " exceeds the " + MAX_FRAME + "-byte limit");
        }
        byte[] body = new byte[(int) len];
        try {
            din.readFully(body);
        } catch (EOFException e) {
            throw new ProtocolViolation("stream ended inside a frame of " + len + " bytes");
        }
        return body;
    }

    /** The other side broke the framing or the encoding: the channel cannot be trusted any more. */
    public static final class ProtocolViolation extends IOException {
        private static final long serialVersionUID = 1L;

        public ProtocolViolation(String message) {
            super(message);
        }
    }
}
