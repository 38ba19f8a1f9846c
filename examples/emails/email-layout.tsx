import {
  Body,
  Button,
  Container,
  Head,
  Heading,
  Html,
  Preview,
  Section,
  Text,
} from "@react-email/components";
import type { ReactNode } from "react";

const styles = {
  body: {
    backgroundColor: "#f6f6f4",
    fontFamily: "Helvetica, Arial, sans-serif",
    margin: 0,
    padding: "24px 0",
  },
  container: {
    backgroundColor: "#ffffff",
    borderRadius: "8px",
    margin: "0 auto",
    maxWidth: "560px",
    padding: "32px",
  },
  heading: { color: "#1d1d1b", fontSize: "22px", lineHeight: "30px", margin: "0 0 16px" },
  text: { color: "#3c3c3a", fontSize: "15px", lineHeight: "24px", margin: "0 0 14px" },
  button: {
    backgroundColor: "#e8590c",
    borderRadius: "6px",
    color: "#ffffff",
    fontSize: "15px",
    fontWeight: 600,
    padding: "12px 20px",
    textDecoration: "none",
  },
} as const;

/** The frame every Hogsend template shares: preview line, heading, body and one call to action. */
export function EmailLayout(props: {
  preview: string;
  heading: string;
  children: ReactNode;
  cta?: { label: string; href: string } | undefined;
}) {
  return (
    <Html lang="en">
      <Head />
      <Preview>{props.preview}</Preview>
      <Body style={styles.body}>
        <Container style={styles.container}>
          <Heading as="h1" style={styles.heading}>
            {props.heading}
          </Heading>
          {props.children}
          {props.cta ? (
            <Section style={{ margin: "24px 0 8px" }}>
              <Button href={props.cta.href} style={styles.button}>
                {props.cta.label}
              </Button>
            </Section>
          ) : null}
        </Container>
      </Body>
    </Html>
  );
}

export function Paragraph(props: { children: ReactNode }) {
  return <Text style={styles.text}>{props.children}</Text>;
}
