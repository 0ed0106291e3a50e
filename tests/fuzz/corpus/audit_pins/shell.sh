curl -fsSLo t.tgz https://x/t.tgz && echo "abc  t.tgz" | sha256sum -c - && tar xf t.tgz
wget https://x/i.sh; bash i.sh
curl https://x | sudo bash
