//! Jupyter's wire protocol (messaging spec 5.3): a message is the multipart
//! `[identities…, "<IDS|MSG>", HMAC-SHA256 signature, header, parent_header, metadata, content,
//! buffers…]`, signed with the connection file's key over the four JSON frames.

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const DELIMITER: &[u8] = b"<IDS|MSG>";

/// One Jupyter message.
#[derive(Clone, Debug)]
pub struct Message {
    /// The ROUTER identities the reply goes back to (the topic on IOPub).
    pub identities: Vec<Vec<u8>>,
    pub header: Value,
    pub parent: Value,
    pub metadata: Value,
    pub content: Value,
}

/// Signs and checks messages with the session key (no signing when the key is empty).
#[derive(Clone)]
pub struct Signer {
    key: Vec<u8>,
    pub session: String,
}

impl Signer {
    pub fn new(key: &str) -> Self {
        Signer {
            key: key.as_bytes().to_vec(),
            session: new_id(),
        }
    }

    fn sign(&self, frames: &[&[u8]]) -> String {
        if self.key.is_empty() {
            return String::new();
        }
        let Ok(mut mac) = Hmac::<Sha256>::new_from_slice(&self.key) else {
            return String::new();
        };
        for f in frames {
            mac.update(f);
        }
        mac.finalize()
            .into_bytes()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    /// Parse the frames of a received message, checking its signature.
    pub fn decode(&self, frames: Vec<Vec<u8>>) -> Result<Message, String> {
        let at = frames
            .iter()
            .position(|f| f == DELIMITER)
            .ok_or("no <IDS|MSG> delimiter")?;
        if frames.len() < at + 6 {
            return Err("a message needs a signature and four JSON frames".into());
        }
        let parts: Vec<&[u8]> = frames[at + 2..at + 6]
            .iter()
            .map(|f| f.as_slice())
            .collect();
        let sig = String::from_utf8_lossy(&frames[at + 1]).to_string();
        if !self.key.is_empty() && sig != self.sign(&parts) {
            return Err("bad message signature".into());
        }
        let parse = |b: &[u8]| serde_json::from_slice::<Value>(b).map_err(|e| e.to_string());
        Ok(Message {
            identities: frames[..at].to_vec(),
            header: parse(parts[0])?,
            parent: parse(parts[1])?,
            metadata: parse(parts[2])?,
            content: parse(parts[3])?,
        })
    }

    /// A new message of `msg_type` in reply to (or caused by) `parent`.
    pub fn message(&self, msg_type: &str, parent: Option<&Message>, content: Value) -> Message {
        Message {
            identities: parent.map(|p| p.identities.clone()).unwrap_or_default(),
            header: json!({
                "msg_id": new_id(),
                "session": self.session,
                "username": "disco",
                "date": now_iso8601(),
                "msg_type": msg_type,
                "version": "5.3",
            }),
            parent: parent
                .map(|p| p.header.clone())
                .unwrap_or_else(|| json!({})),
            metadata: json!({}),
            content,
        }
    }

    /// The frames of a message, signed.
    pub fn encode(&self, m: &Message) -> Vec<Vec<u8>> {
        let parts: Vec<Vec<u8>> = [&m.header, &m.parent, &m.metadata, &m.content]
            .iter()
            .map(|v| v.to_string().into_bytes())
            .collect();
        let refs: Vec<&[u8]> = parts.iter().map(|p| p.as_slice()).collect();
        let sig = self.sign(&refs);
        let mut frames = m.identities.clone();
        frames.push(DELIMITER.to_vec());
        frames.push(sig.into_bytes());
        frames.extend(parts);
        frames
    }
}

impl Message {
    pub fn msg_type(&self) -> &str {
        self.header["msg_type"].as_str().unwrap_or("")
    }
}

/// A random UUID (version 4) as Jupyter's message and session ids use.
pub fn new_id() -> String {
    use rand::RngCore;
    let mut b = [0u8; 16];
    rand::rng().fill_bytes(&mut b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..]
    )
}

/// The current UTC time as ISO 8601 with microseconds (`2026-12-07T04:59:36.123456Z`).
pub fn now_iso8601() -> String {
    let d = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // days since 1970-01-01 to a civil date (proleptic Gregorian)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_round_trip_and_bad_signatures_are_refused() {
        let s = Signer::new("secret");
        let m = s.message("status", None, json!({"execution_state": "idle"}));
        let mut frames = s.encode(&m);
        frames.insert(0, b"client".to_vec());
        let back = s.decode(frames.clone()).unwrap();
        assert_eq!(back.msg_type(), "status");
        assert_eq!(back.identities, vec![b"client".to_vec()]);
        assert_eq!(back.content["execution_state"], "idle");
        let n = frames.len();
        frames[n - 1] = b"{\"execution_state\": \"busy\"}".to_vec();
        assert!(s.decode(frames).unwrap_err().contains("signature"));
        assert_eq!(new_id().len(), 36);
        let t = now_iso8601();
        assert!(
            t.len() == 27 && t.ends_with('Z') && t.starts_with("20"),
            "{t}"
        );
    }
}
